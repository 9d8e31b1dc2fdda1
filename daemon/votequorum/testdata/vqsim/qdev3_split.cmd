#conf qdev3
qdevice on 1,2,3
#wait 1500
split 1:3
#wait 2000
qdevice off 1,2,3
join 0 1
#wait 1500
