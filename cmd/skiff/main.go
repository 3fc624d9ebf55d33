package main

import (
	"os"

	"github.com/skiff-proxy/skiff/config"
)

func main() { os.Exit(config.Main(config.Extensions{})) }
