#conf lmsatb4
down 4
#wait 1500
down 3
#wait 1500
split 1:2
#wait 1500
join 0 1
