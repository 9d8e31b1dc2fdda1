#conf atb4high
split 1:1,2
join 0 1
split 1:3,4
