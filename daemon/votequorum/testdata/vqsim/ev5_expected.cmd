#conf ev5
down 3
up 3
up 4
up 5
