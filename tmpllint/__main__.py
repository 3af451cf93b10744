from tmpllint.entry import main

main()
