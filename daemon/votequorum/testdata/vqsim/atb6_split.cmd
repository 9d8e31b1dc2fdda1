#conf atb6
split 1:4,5,6
join 0 1
split 1:1,2,3
join 0 1
down 6
split 1:1,2
