from servicestage_ls.cli import main

raise SystemExit(main())
