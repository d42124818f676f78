using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Units.UnitFiles.Tests")]
