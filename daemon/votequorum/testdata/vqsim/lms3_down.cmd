#conf lms3
down 3
#wait 1500
down 2
#wait 1500
up 2
up 3
