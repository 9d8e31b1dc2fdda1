#conf plain3
up 4
up 5
down 1
split 1:4,5
join 0 1
