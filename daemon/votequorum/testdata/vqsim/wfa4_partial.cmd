#conf wfa4
split 1:3,4
join 0 1
down 4
up 4
