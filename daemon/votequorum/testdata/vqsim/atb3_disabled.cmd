#conf atb3
split 1:1
join 0 1
split 1:3
