from salesfunnel.cli import main

main()
