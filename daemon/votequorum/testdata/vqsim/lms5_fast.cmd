#conf lms5
down 5
down 4
down 3
down 2
