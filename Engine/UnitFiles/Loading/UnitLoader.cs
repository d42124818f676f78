using Units.UnitFiles.Names;
using Units.UnitFiles.Settings;
using Units.UnitFiles.Specifiers;
using Units.UnitFiles.Syntax;

namespace Units.UnitFiles.Loading;

/// <summary>
/// Loads units from the search path the way systemd 252 does (unit_load_fragment_and_dropin):
/// find the fragment by name (aliases, templates), collect the unit's names, read and parse the
/// fragment (an empty file or a /dev/null link masks the unit), then the drop-ins
/// (<c>name.d/*.conf</c>, template, prefix "foo-.service.d" and type-level "service.d" directories,
/// ordered by file name with the first directory winning a name) and the ".wants/", ".requires/",
/// ".upholds/" symlinks. Bad files never throw: they become diagnostics and load states.
/// </summary>
public sealed class UnitLoader
{
    /// <summary>The dependency each of ".wants/", ".requires/", ".upholds/" (kinds 1 to 3 of <see cref="UnitNameMap.DropInSuffixes"/>) adds.</summary>
    private static readonly string[] DependencyNames = ["", "Wants", "Requires", "Upholds"];
    private const int ConfKind = 0;

    private readonly UnitLoaderOptions options;
    private readonly IUnitFileSystem fs;
    private readonly Dictionary<string, Listing?> directories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CachedFile> sharedDropIns = new(StringComparer.Ordinal);
    private UnitNameMap map;
    private DateTime?[] searchPathTimes;

    public UnitLoader(UnitLoaderOptions? options = null)
    {
        this.options = options ?? new UnitLoaderOptions();
        fs = this.options.FileSystem;
        map = BuildMap();
        searchPathTimes = SearchPathTimes();
    }

    public UnitScope Scope => options.Scope;

    public IReadOnlyList<string> SearchPath => map.SearchPath;

    /// <summary>What systemd logs while scanning the search path (e.g. rejected alias symlinks).</summary>
    public IReadOnlyList<Diagnostic> Diagnostics => map.Diagnostics;

    /// <summary>Entries skipped silently while scanning (directories named like units, self-aliases).</summary>
    public IReadOnlyList<Diagnostic> Notes => map.Notes;

    /// <summary>Every unit name present in the search path (files, links, masks, aliases, templates), sorted.</summary>
    public IReadOnlyList<string> UnitNames => [.. map.Names.Order(StringComparer.Ordinal)];

    /// <summary>Rescans the search path (daemon-reload).</summary>
    public void Reload()
    {
        directories.Clear();
        sharedDropIns.Clear();
        map = BuildMap();
        searchPathTimes = SearchPathTimes();
    }

    /// <summary>A directory of the search path changed (or appeared, or went) since it was scanned: a unit file may
    /// have been added or removed (systemd's lookup_paths_timestamp_hash).</summary>
    public bool SearchPathChanged() => !SearchPathTimes().SequenceEqual(searchPathTimes);

    private DateTime?[] SearchPathTimes() => [.. map.SearchPath.Select(fs.ModifiedAt)];

    /// <summary>systemd rebuilds its unit name map before it loads a unit when the search path changed since
    /// (unit_file_build_name_map): a unit file written after start-up is found without daemon-reload.</summary>
    private void RescanIfSearchPathChanged()
    {
        if (!SearchPathChanged())
            return;
        Reload();
    }

    /// <summary>
    /// The manager wrote <paramref name="path"/> itself, in a search directory: a transient unit file
    /// ("DIR/NAME") or a drop-in ("DIR/NAME.d/FILE"). As systemd adds it to its path cache, it is found from now
    /// on without rescanning the search path. A path outside the search path changes nothing.
    /// </summary>
    public void NoteWritten(string path)
    {
        int slash = path.LastIndexOf('/');
        if (slash <= 0)
            return;
        string directory = path[..slash];
        int index = IndexInSearchPath(directory);
        if (index >= 0)
        {
            map.AddFile(index, path[(slash + 1)..], path);
            directories.Remove(directory);
            return;
        }
        int parentSlash = directory.LastIndexOf('/');
        if (parentSlash > 0 && (index = IndexInSearchPath(directory[..parentSlash])) >= 0)
        {
            map.AddDropInDirectory(index, directory[(parentSlash + 1)..]);
            directories.Remove(directory);
        }
    }

    /// <summary>The manager removed the unit file <paramref name="path"/> it had written (a collected transient unit).</summary>
    public void NoteRemoved(string path)
    {
        int slash = path.LastIndexOf('/');
        if (slash > 0 && IndexInSearchPath(path[..slash]) >= 0)
        {
            map.RemoveFile(path[(slash + 1)..], path);
            directories.Remove(path[..slash]);
        }
    }

    private int IndexInSearchPath(string directory)
    {
        for (int i = 0; i < map.SearchPath.Count; i++)
        {
            if (map.SearchPath[i] == directory)
                return i;
        }
        return -1;
    }

    /// <summary>Loads a unit by name; the name must be a plain or instance name.</summary>
    /// <exception cref="ArgumentException">With systemd's message when the name is not loadable.</exception>
    public LoadedUnit Load(string name) => Load(name, []);

    /// <summary>
    /// Loads a unit by name, reading <paramref name="extraDropIns"/> after the drop-ins found in the search path
    /// (those the manager wrote for the unit since, as systemd appends them to the unit's drop-in list, in a control
    /// directory that may not be in the search path).
    /// </summary>
    public LoadedUnit Load(string name, IReadOnlyList<string> extraDropIns)
    {
        if (!UnitName.TryParse(name, UnitNameKinds.Plain | UnitNameKinds.Instance, out UnitName unitName))
        {
            throw new ArgumentException(UnitName.IsValid(name, UnitNameKinds.Template)
                ? $"Unit name {name} is missing the instance name."
                : $"Unit name {name} is not valid.", nameof(name));
        }
        return Load(unitName, extraDropIns);
    }

    /// <summary>
    /// Loads every unit of the search path once (aliases load their unit; templates load as
    /// <paramref name="templateInstance"/> instances, as systemd-analyze verify does, or are skipped when null).
    /// </summary>
    public IReadOnlyList<LoadedUnit> LoadAll(string? templateInstance = null)
    {
        var loaded = new List<LoadedUnit>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in UnitNames)
        {
            UnitName n = UnitName.Parse(name);
            if (n.IsTemplate && (templateInstance is null || !n.TryWithInstance(templateInstance, out n)))
                continue;
            if (seen.Contains(n.Name))
                continue;
            LoadedUnit unit = Load(n);
            foreach (string alias in unit.Names)
                seen.Add(alias);
            if (seen.Add(unit.Name) || unit.Name == n.Name)
                loaded.Add(unit);
        }
        return loaded;
    }

    public LoadedUnit Load(UnitName requested) => Load(requested, []);

    private LoadedUnit Load(UnitName requested, IReadOnlyList<string> extraDropIns)
    {
        RescanIfSearchPathChanged();
        var d = new DiagnosticBag();
        var notes = new List<Diagnostic>();
        string? fragment = map.GetFragment(requested.Name, out Errno lookupError);
        if (fragment is null && requested.IsInstance)
            fragment = map.GetFragment(requested.Template!, out lookupError);
        if (fragment is null && lookupError == Errno.ELOOP)
            notes.Add(new Diagnostic(requested.Name, 0, DiagnosticSeverity.Warning, "Alias symlinks form a loop; treating the unit as not found."));

        UnitName id = IdFor(requested, fragment);
        var unit = new LoadedUnit(id.Name, id.Type) { Names = NamesOf(requested, id, fragment) };
        try
        {
            LoadInto(unit, id, fragment, extraDropIns, d, notes);
        }
        finally
        {
            // Most units have nothing to say: keep no empty lists for as long as they stay loaded.
            unit.Diagnostics = d.Items.Count == 0 ? [] : d.Items;
            unit.Notes = notes.Count == 0 ? [] : (IReadOnlyList<Diagnostic>)notes;
        }
        return unit;
    }

    private void LoadInto(LoadedUnit unit, UnitName id, string? fragment, IReadOnlyList<string> extraDropIns, DiagnosticBag d, List<Diagnostic> notes)
    {
        var files = new List<ParsedUnitFile>();
        unit.Files = files;
        UnitSettings? settings = null;
        SpecifierContext specifiers = new(id, options.Scope, options.Host) { FragmentRealPathResolver = () => fragment is null ? null : RealPath(fragment) };

        if (fragment is null)
        {
            if (IsFragmentRequired(id))
            {
                SetNotFound(unit);
                return;
            }
            unit.LoadState = LoadState.Loaded;
        }
        else
        {
            FileContent content = fs.Read(fragment);
            if (content.Error != 0)
            {
                d.Warn(id.Name, 0, $"Failed to open {fragment}: {content.Error.Describe()}");
                SetNotFound(unit);
                return;
            }
            unit.FragmentPath = fragment;
            // Drop-ins of a masked unit are still read (and complained about) by systemd, so bind them too.
            settings = options.Binder?.Create(id, specifiers);
            if (content.IsNullOrEmpty && !IsPerpetual(id))
            {
                unit.LoadState = LoadState.Masked;
                unit.LoadError = new UnitLoadError("org.freedesktop.systemd1.UnitMasked", $"Unit {id.Name} is masked.");
            }
            else
            {
                unit.LoadState = LoadState.Loaded;
                WarnAboutPermissions(fragment, content.Mode, d);
                int fatalLine = ReadFile(fragment, content.Content ?? [], id, settings, specifiers, files, d, out ParseFailure? failure);
                if (failure is not null)
                {
                    notes.Add(new Diagnostic(fragment, failure.Line, DiagnosticSeverity.Error, failure.Detail));
                    SetError(unit, failure.Errno);
                    return;
                }
                if (fatalLine > 0)
                {
                    d.Warn(id.Name, 0, "Unit configuration has fatal error, unit will not be started.");
                    SetBadSetting(unit);
                    return;
                }
            }
        }

        List<List<string>> candidates = CandidateNames(unit);
        LoadDependencyDirectories(unit, id, candidates, d, notes);
        unit.DropInPaths = LoadDropIns(unit, id, candidates, extraDropIns, settings, specifiers, files, d, notes);

        if (settings is not null)
        {
            // The settings keep every accepted assignment; the syntax trees are not worth their memory any more.
            unit.Files = [];
            settings.TrimExcess();
        }
        if (unit.LoadState == LoadState.Loaded && settings is not null)
        {
            unit.Settings = settings;
            if (!options.Binder!.Verify(settings, d) || !PathMatchesName(id, settings, d))
                SetBadSetting(unit);
        }
    }

    /// <summary>Parses one file and applies it; parser diagnostics after a fatal setting are dropped, as systemd never reads that far.</summary>
    private int ReadFile(string path, byte[] content, UnitName id, UnitSettings? settings, SpecifierContext specifiers,
        List<ParsedUnitFile> files, DiagnosticBag d, out ParseFailure? failure)
    {
        var parseBag = new DiagnosticBag();
        ParsedUnitFile parsed = UnitFileParser.Parse(path, content, parseBag, id.Type.Sections());
        return Apply(parsed, parseBag.Items, settings, specifiers, files, d, out failure);
    }

    /// <summary>Applies a parsed file; the parser's diagnostics after a fatal setting are dropped, as systemd never reads that far.</summary>
    private int Apply(ParsedUnitFile parsed, IReadOnlyList<Diagnostic> parseDiagnostics, UnitSettings? settings, SpecifierContext specifiers,
        List<ParsedUnitFile> files, DiagnosticBag d, out ParseFailure? failure)
    {
        files.Add(parsed);
        failure = parsed.Failure;
        if (settings is null)
        {
            Append(d, parseDiagnostics);
            return 0;
        }
        var bindBag = new DiagnosticBag();
        int fatalLine = options.Binder!.Apply(settings, parsed, specifiers, bindBag);
        IEnumerable<Diagnostic> parseItems = fatalLine > 0 ? parseDiagnostics.Where(x => x.Path != parsed.Path || x.Line <= fatalLine) : parseDiagnostics;
        Append(d, MergeByLine([.. parseItems], bindBag.Items));
        return fatalLine;
    }

    /// <summary>Interleaves two line-ordered lists the way one pass over the file would have produced them.</summary>
    private static IEnumerable<Diagnostic> MergeByLine(IReadOnlyList<Diagnostic> first, IReadOnlyList<Diagnostic> second)
    {
        int i = 0, j = 0, lastFirst = 0, lastSecond = 0;
        while (i < first.Count || j < second.Count)
        {
            int lineFirst = i < first.Count ? (first[i].Line > 0 ? first[i].Line : lastFirst) : int.MaxValue;
            int lineSecond = j < second.Count ? (second[j].Line > 0 ? second[j].Line : lastSecond) : int.MaxValue;
            if (lineFirst <= lineSecond)
            {
                lastFirst = lineFirst;
                yield return first[i++];
            }
            else
            {
                lastSecond = lineSecond;
                yield return second[j++];
            }
        }
    }

    private static void Append(DiagnosticBag d, IEnumerable<Diagnostic> items)
    {
        foreach (Diagnostic x in items)
        {
            if (x.Severity == DiagnosticSeverity.Error)
                d.Error(x.Path, x.Line, x.Message);
            else
                d.Warn(x.Path, x.Line, x.Message);
        }
    }

    /// <summary>stat_warn_permissions().</summary>
    private static void WarnAboutPermissions(string path, UnixFileMode mode, DiagnosticBag d)
    {
        if ((mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            d.Warn("", 0, $"Configuration file {path} is marked executable. Please remove executable permission bits. Proceeding anyway.");
        if ((mode & UnixFileMode.OtherWrite) != 0)
            d.Warn("", 0, $"Configuration file {path} is marked world-writable. Please remove world writability permission bits. Proceeding anyway.");
    }

    private IReadOnlyList<string> LoadDropIns(LoadedUnit unit, UnitName id, List<List<string>> candidates, IReadOnlyList<string> extraDropIns,
        UnitSettings? settings, SpecifierContext specifiers, List<ParsedUnitFile> files, DiagnosticBag d, List<Diagnostic> notes)
    {
        List<string> paths = FindDropInFiles(unit, candidates, ConfKind, ".conf");
        foreach (string extra in extraDropIns)
        {
            if (!paths.Contains(extra))
                paths.Add(extra);
        }
        foreach (string path in paths)
        {
            CachedFile? file = ReadDropIn(path, id, IsShared(unit, path));
            if (file is null)
                continue;
            if (file.OpenError != 0)
            {
                notes.Add(new Diagnostic(path, 0, DiagnosticSeverity.Warning, $"Failed to open configuration file '{path}': {file.OpenError.Describe()}"));
                continue;
            }
            WarnAboutPermissions(path, file.Mode, d);
            Apply(file.Parsed!, file.ParseDiagnostics, settings, specifiers, files, d, out ParseFailure? failure);
            if (failure is not null)
                notes.Add(new Diagnostic(path, failure.Line, DiagnosticSeverity.Warning, failure.Detail + "; the rest of this drop-in is ignored."));
        }
        return paths;
    }

    /// <summary>A drop-in read and parsed once per loader when it is shared (type-level, prefix, template directories): systemd rereads it for every unit.</summary>
    private sealed record CachedFile(Errno OpenError, UnixFileMode Mode, ParsedUnitFile? Parsed, IReadOnlyList<Diagnostic> ParseDiagnostics);

    private CachedFile? ReadDropIn(string path, UnitName id, bool shared)
    {
        if (shared && sharedDropIns.TryGetValue(path, out CachedFile? cached))
            return cached;
        FileContent content = fs.Read(path);
        CachedFile file;
        if (content.Error == Errno.ENOENT)
            return null;
        if (content.Error != 0)
        {
            file = new CachedFile(content.Error, 0, null, []);
        }
        else
        {
            var parseBag = new DiagnosticBag();
            ParsedUnitFile parsed = UnitFileParser.Parse(path, content.Content ?? [], parseBag, id.Type.Sections());
            file = new CachedFile(0, content.Mode, parsed, parseBag.Items);
        }
        if (shared)
            sharedDropIns[path] = file;
        return file;
    }

    /// <summary>Whether a drop-in lives in a directory other than the unit's own "NAME.d" ones.</summary>
    private static bool IsShared(LoadedUnit unit, string path)
    {
        int slash = path.LastIndexOf('/');
        int dirStart = path.LastIndexOf('/', slash - 1) + 1;
        ReadOnlySpan<char> dir = path.AsSpan(dirStart, slash - dirStart);
        foreach (string name in unit.Names)
        {
            if (dir.Length == name.Length + 2 && dir.StartsWith(name, StringComparison.Ordinal))
                return false;
        }
        return true;
    }

    /// <summary>process_deps() for ".wants/", ".requires/" and ".upholds/".</summary>
    private void LoadDependencyDirectories(LoadedUnit unit, UnitName id, List<List<string>> candidates, DiagnosticBag d, List<Diagnostic> notes)
    {
        for (int k = 1; k < DependencyNames.Length; k++)
        {
            var names = new List<string>();
            foreach (string path in FindDropInFiles(unit, candidates, k, null))
            {
                string entry = path[(path.LastIndexOf('/') + 1)..];
                string? target = fs.ReadLink(path);
                if (target == "/dev/null" || (target is not null && fs.KindFollowingLinks(path) == EntryKind.Other))
                {
                    notes.Add(new Diagnostic(id.Name, 0, DiagnosticSeverity.Warning, $"{DependencyNames[k]} dependency on {entry} is masked by {path}, ignoring."));
                    continue;
                }
                if (target is null)
                {
                    d.Warn(id.Name, 0, $"{DependencyNames[k]} dependency dropin {path} is not a symlink, ignoring.");
                    continue;
                }
                if (!UnitName.TryParse(entry, out UnitName dep))
                {
                    d.Warn(id.Name, 0, $"{DependencyNames[k]} dependency dropin {path} is not a valid unit name, ignoring.");
                    continue;
                }
                if (dep.IsTemplate)
                {
                    if (id.Instance is null || !dep.TryWithInstance(id.Instance, out dep))
                    {
                        d.Warn(id.Name, 0, $"Cannot add {DependencyNames[k]} dependency on {entry}, ignoring: Invalid argument");
                        continue;
                    }
                }
                if (!names.Contains(dep.Name))
                    names.Add(dep.Name);
            }
            if (names.Count == 0)
                continue;
            switch (k)
            {
                case 1: unit.Wants = names; break;
                case 2: unit.Requires = names; break;
                default: unit.Upholds = names; break;
            }
        }
    }

    /// <summary>
    /// unit_file_find_dropin_paths(): the directories "NAME{dirSuffix}" for every name of the unit in every search
    /// directory (with template and dash-prefix variants), then the type-level ones; the files in them (not hidden,
    /// with <paramref name="fileSuffix"/> when given) with the first directory winning a file name, sorted by name.
    /// </summary>
    private List<string> FindDropInFiles(LoadedUnit unit, List<List<string>> candidates, int kind, string? fileSuffix)
    {
        List<string>? dirs = null;
        int searchDirs = Math.Min(map.SearchPath.Count, 64);
        foreach (List<string> forName in candidates)
        {
            for (int i = 0; i < searchDirs; i++)
            {
                foreach (string candidate in forName)
                    AddDirectoryIfPresent(candidate, kind, i, ref dirs);
            }
        }
        string typeName = unit.Type.Suffix();
        for (int i = 0; i < searchDirs; i++)
            AddDirectoryIfPresent(typeName, kind, i, ref dirs);
        if (dirs is null)
            return [];

        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string dir in dirs)
        {
            Listing? listing = ListDirectory(dir);
            for (int i = 0; listing is not null && i < listing.Entries.Count; i++)
            {
                DirectoryEntry e = listing.Entries[i];
                if (e.Name[0] == '.' || e.Kind is EntryKind.Directory or EntryKind.Other)
                    continue;
                if (fileSuffix is not null && !e.Name.EndsWith(fileSuffix, StringComparison.Ordinal))
                    continue;
                byName.TryAdd(e.Name, listing.Paths[i]);
            }
        }
        var names = byName.Keys.ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        return [.. names.Select(n => byName[n])];
    }

    private void AddDirectoryIfPresent(string candidate, int kind, int dirIndex, ref List<string>? dirs)
    {
        if ((map.DropInDirectoryMask(candidate, kind) & (1UL << dirIndex)) == 0)
            return;
        string path = map.SearchPath[dirIndex] + "/" + candidate + UnitNameMap.DropInSuffixes[kind];
        if (ListDirectory(path) is not null && !(dirs ??= []).Contains(path))
            dirs.Add(path);
    }

    /// <summary>
    /// For each name of the unit, the names whose directories apply within one search directory, in systemd's order
    /// (unit_file_find_dirs()): the name, its template (and the template's prefixes), then its dash prefixes,
    /// e.g. "foo-bar@x.service", "foo-bar@.service", "foo-.service", "foo-@x.service", "foo-@.service".
    /// </summary>
    private static List<List<string>> CandidateNames(LoadedUnit unit)
    {
        var result = new List<List<string>>(unit.Names.Count);
        foreach (string name in unit.Names)
        {
            var list = new List<string>(4);
            AddCandidates(name, list);
            result.Add(list);
        }
        return result;
    }

    private static void AddCandidates(string name, List<string> list)
    {
        list.Add(name);
        if (!UnitName.TryParse(name, out UnitName n))
            return;
        if (n.IsInstance)
            AddCandidates(n.Template!, list);
        string? prefix = ChopPrefix(n.Prefix);
        if (prefix is not null && UnitName.TryBuild(prefix, n.Instance, n.Type, out UnitName built))
            AddCandidates(built.Name, list);
    }

    /// <summary>"foo-bar-baz" gives "foo-bar-", "foo-bar-" gives "foo-", "foo" or "-foo" give null.</summary>
    private static string? ChopPrefix(string prefix)
    {
        bool chopped = false;
        while (true)
        {
            int dash = prefix.LastIndexOf('-');
            if (dash <= 0)
                return null;
            if (dash + 1 < prefix.Length || chopped)
                return prefix[..(dash + 1)];
            prefix = prefix[..dash];
            chopped = true;
        }
    }

    /// <summary>A directory's entries with their full paths, built once (shared drop-in directories serve thousands of units).</summary>
    private sealed record Listing(IReadOnlyList<DirectoryEntry> Entries, string[] Paths);

    private Listing? ListDirectory(string path)
    {
        if (!directories.TryGetValue(path, out Listing? listing))
        {
            IReadOnlyList<DirectoryEntry>? entries = fs.ListDirectory(path);
            listing = entries is null ? null : new Listing(entries, [.. entries.Select(e => path + "/" + e.Name)]);
            directories[path] = listing;
        }
        return listing;
    }

    /// <summary>The unit's id: the fragment's file name (with the instance filled into a template), else the requested name.</summary>
    private static UnitName IdFor(UnitName requested, string? fragment)
    {
        if (fragment is null)
            return requested;
        string basename = fragment[(fragment.LastIndexOf('/') + 1)..];
        if (!UnitName.TryParse(basename, out UnitName f) || f.Type != requested.Type)
            return requested;
        if (f.IsTemplate)
            return requested.Instance is not null && f.TryWithInstance(requested.Instance, out UnitName inst) ? inst : requested;
        return f;
    }

    /// <summary>unit_file_find_fragment()'s set of names: the requested name, the id, and their aliases (instances filled in).</summary>
    private List<string> NamesOf(UnitName requested, UnitName id, string? fragment)
    {
        var names = new List<string> { id.Name };
        void Add(string n)
        {
            if (!names.Contains(n))
                names.Add(n);
        }
        Add(requested.Name);
        string? fragmentName = fragment?[(fragment.LastIndexOf('/') + 1)..];
        foreach (string? key in (string?[])[requested.Name, id.Name, fragmentName])
        {
            if (key is null)
                continue;
            foreach (string alias in map.AliasesOf(key))
            {
                if (requested.Instance is not null && UnitName.TryParse(alias, UnitNameKinds.Template, out UnitName t))
                {
                    if (!t.TryWithInstance(requested.Instance, out UnitName inst))
                        continue;
                    string? instFragment = map.GetFragment(inst.Name, out _);
                    // An alias instance with a fragment of its own points elsewhere: not one of our names.
                    if (instFragment is not null && fragmentName is not null && !instFragment.EndsWith("/" + fragmentName, StringComparison.Ordinal))
                        continue;
                    Add(inst.Name);
                }
                else if (!UnitName.IsValid(alias, UnitNameKinds.Template))
                {
                    Add(alias);
                }
            }
        }
        return names;
    }

    /// <summary>mount_verify(), automount_verify(), swap_verify(): a unit named after a path must be for that path.</summary>
    private static bool PathMatchesName(UnitName id, UnitSettings settings, DiagnosticBag d)
    {
        (string? path, string message) = id.Type switch
        {
            UnitType.Mount => (settings.Mount?.Where, "Where= setting doesn't match unit name. Refusing."),
            UnitType.Automount => (settings.Automount?.Where, "Where= setting doesn't match unit name. Refusing."),
            UnitType.Swap => (settings.Swap?.What, "Value of What= and unit name do not match, not loading."),
            _ => (null, ""),
        };
        if (path is null || (UnitNameEscaping.TryEscapePath(path, out string escaped) && escaped + id.DotSuffix == id.Name))
            return true;
        d.Error(id.Name, 0, message);
        return false;
    }

    private string? RealPath(string path)
    {
        string current = path;
        for (int hop = 0; hop < 40; hop++)
        {
            string? target = fs.ReadLink(current);
            if (target is null)
                return UnitNameMap.Simplify(current);
            current = target.StartsWith('/') ? target : current[..(current.LastIndexOf('/') + 1)] + target;
        }
        return null;
    }

    /// <summary>Units that exist without a file: devices (from udev) and the perpetual root slice, root mount and init scope.</summary>
    private bool IsFragmentRequired(UnitName id) => id.Type != UnitType.Device && !IsPerpetual(id);

    private bool IsPerpetual(UnitName id) =>
        id.Name is "-.slice" or "init.scope" || (id.Name == "-.mount" && options.Scope == UnitScope.System);

    private static void SetNotFound(LoadedUnit unit)
    {
        unit.LoadState = LoadState.NotFound;
        unit.LoadError = new UnitLoadError("org.freedesktop.systemd1.NoSuchUnit", $"Unit {unit.Name} not found.");
    }

    private static void SetBadSetting(LoadedUnit unit)
    {
        unit.LoadState = LoadState.BadSetting;
        unit.LoadError = new UnitLoadError("org.freedesktop.systemd1.BadUnitSetting", $"Unit {unit.Name} has a bad unit file setting.");
        unit.Settings = null;
    }

    private static void SetError(LoadedUnit unit, Errno errno)
    {
        unit.LoadState = LoadState.Error;
        unit.LoadError = new UnitLoadError(errno.DBusName(),
            $"Unit {unit.Name} failed to load properly, please adjust/correct and reload service manager: {errno.Describe()}");
    }

    private UnitNameMap BuildMap() =>
        new(options.SearchPath ?? UnitSearchPaths.FromEnvironment(options.Scope), fs);
}
