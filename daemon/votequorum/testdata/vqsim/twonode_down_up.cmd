#conf twonode
down 2
up 2
split 1:2
join 0 1
