#conf plain3
split 1:3
join 0 1
split 1:1 2:2
join 0 1 2
