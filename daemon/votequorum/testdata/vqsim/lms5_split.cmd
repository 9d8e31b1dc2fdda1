#conf lms5
split 1:4,5
#wait 1500
split 1:3
#wait 1500
join 0 1
