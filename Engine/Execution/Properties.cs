// Execution drives Linux facilities only (posix_spawn of the executor, cgroup v2, namespaces, inotify).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
