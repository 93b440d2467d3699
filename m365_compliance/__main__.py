from m365_compliance.cli import main

if __name__ == "__main__":  # not when a worker process (Dask, multiprocessing) imports it again
    main()
