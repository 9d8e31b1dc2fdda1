#conf plain3
down 3
down 2
up 2
up 3
