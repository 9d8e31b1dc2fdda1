#conf lms5
down 5
#wait 1500
down 4
#wait 1500
down 3
#wait 1500
down 2
