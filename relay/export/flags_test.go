package export_test

import "flag"

var keep = flag.String("keep", "", "directory to copy rendered PDF pages into, for a look")
