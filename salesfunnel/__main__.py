from salesfunnel.console import main

main()
