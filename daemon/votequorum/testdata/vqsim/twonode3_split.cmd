#conf twonode3
down 3
split 1:2
join 0 1
up 3
split 1:1
