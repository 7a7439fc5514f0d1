module daskk8s.local/tools/pause

go 1.26
