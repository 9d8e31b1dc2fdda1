#conf plain2
down 2
up 2
split 1:1
join 0 1
