from tmpllint.cli import main

main()
