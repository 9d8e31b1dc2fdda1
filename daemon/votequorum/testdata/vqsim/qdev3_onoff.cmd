#conf qdev3
down 3
qdevice on 1,2
#wait 1500
qdevice off 2
#wait 1500
qdevice off 1
#wait 1500
qdevice on 1
#wait 1500
