#conf wfa3
split 1:3
join 0 1
down 1
up 1
