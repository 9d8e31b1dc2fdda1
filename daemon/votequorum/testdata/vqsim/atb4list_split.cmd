#conf atb4list
split 1:1,2
join 0 1
split 1:1,4
join 0 1
split 1:2,3
