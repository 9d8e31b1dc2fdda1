#conf qdev4
down 4
down 3
qdevice on 1,2
#wait 1500
qdevice off 2
#wait 1500
