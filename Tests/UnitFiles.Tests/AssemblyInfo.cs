// The unit-file tests run on Linux only: they compare against systemd and use symlinks and Unix modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
