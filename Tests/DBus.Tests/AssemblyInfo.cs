// Some tests count this process's open fds and watch server connections: run test classes one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
