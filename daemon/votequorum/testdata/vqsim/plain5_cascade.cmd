#conf plain5
down 5
down 4
down 3
up 3
up 4,5
