from regconform.run.cli import main

main()
