#conf twonode_nowfa
down 2
up 2
split 1:1
join 0 1
split 1:2
join 0 1
