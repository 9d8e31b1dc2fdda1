#conf downscale4
down 4
down 3
up 3
up 4
