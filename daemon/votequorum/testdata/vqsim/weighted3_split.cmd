#conf weighted3
split 1:1
join 0 1
split 1:2,3
join 0 1
down 1
