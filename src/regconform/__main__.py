from regconform.cli import main

main()
