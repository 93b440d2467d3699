from m365_compliance.cli import main

main()
