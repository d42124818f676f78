// The journal is a Linux facility: Unix sockets with credentials, memfds, renameat2.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
