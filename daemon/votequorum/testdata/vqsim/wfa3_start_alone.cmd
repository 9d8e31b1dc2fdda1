#conf wfa3
down 3
down 2
down 1
up 1:1
up 1:2
up 3
join 0 1
