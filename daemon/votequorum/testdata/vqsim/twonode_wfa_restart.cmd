#conf twonode
down 2
down 1
up 1
up 2
