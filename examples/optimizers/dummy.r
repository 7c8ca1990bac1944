# An R file that is part of the source code listing.
x <- 1
