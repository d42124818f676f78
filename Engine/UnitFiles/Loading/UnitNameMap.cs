using Units.UnitFiles.Names;

namespace Units.UnitFiles.Loading;

/// <summary>
/// systemd's unit_file_build_name_map(): one scan of every search directory, mapping each unit name to
/// either its fragment path (a file, a symlink leaving the search path — a "linked" unit or a mask) or,
/// for a symlink that stays inside the search path, the name it aliases. The first directory holding
/// a name wins. It also remembers every top-level entry, so drop-in directories are looked up without
/// touching the disk (systemd's unit_path_cache).
/// </summary>
internal sealed class UnitNameMap
{
    /// <summary>FOLLOW_MAX: alias chains longer than this are loops.</summary>
    private const int FollowMax = 64;

    private readonly Dictionary<string, string> ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> aliasesByTarget = new(StringComparer.Ordinal);
    /// <summary>Directory suffixes the loader looks for next to units, indexed by <see cref="DropInKind"/>.</summary>
    public static readonly string[] DropInSuffixes = [".d", ".wants", ".requires", ".upholds"];

    /// <summary>For "foo.service" (or "service"): in which search directories (bit i = SearchPath[i]) "foo.service.d" etc. exist.</summary>
    private readonly Dictionary<string, ulong[]> dropInDirectories = new(StringComparer.Ordinal);
    private readonly List<Diagnostic> diagnostics = [];
    private readonly List<Diagnostic> notes = [];

    public UnitNameMap(IReadOnlyList<string> searchPath, IUnitFileSystem fs)
    {
        SearchPath = searchPath;
        for (int index = 0; index < searchPath.Count; index++)
        {
            string dir = searchPath[index];
            IReadOnlyList<DirectoryEntry>? list = fs.ListDirectory(dir);
            if (list is null)
                continue;
            foreach (DirectoryEntry e in list)
            {
                if (e.Kind is EntryKind.Directory or EntryKind.Symlink)
                    NoteDropInDirectory(e.Name, index);
                if (e.Kind is not (EntryKind.File or EntryKind.Symlink))
                {
                    if (e.Kind == EntryKind.Directory && UnitName.IsValid(e.Name))
                        notes.Add(new Diagnostic(dir + "/" + e.Name, 0, DiagnosticSeverity.Warning, "Is a directory, not a unit file; ignoring."));
                    continue;
                }
                if (!UnitName.IsValid(e.Name))
                {
                    if (LooksLikeUnitFile(e.Name))
                        notes.Add(new Diagnostic(dir + "/" + e.Name, 0, DiagnosticSeverity.Warning, "Not a valid unit name; ignoring."));
                    continue;
                }
                if (ids.ContainsKey(e.Name))
                    continue;
                string path = dir + "/" + e.Name;
                if (e.Kind == EntryKind.File)
                    ids[e.Name] = path;
                else
                    AddSymlink(fs, dir, e.Name, path);
            }
        }
        BuildReverseMap(fs);
    }

    public IReadOnlyList<string> SearchPath { get; }

    /// <summary>What systemd logs while building the map (rejected alias symlinks), in its words.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics => diagnostics;

    /// <summary>Explanations systemd keeps at debug level (entries that are skipped silently).</summary>
    public IReadOnlyList<Diagnostic> Notes => notes;

    /// <summary>Every unit name that has an entry in the search path (files, links and aliases).</summary>
    public IEnumerable<string> Names => ids.Keys;

    /// <summary>
    /// Which search directories hold a "NAME{suffix}" entry (systemd's unit_path_cache): bit i stands for
    /// SearchPath[i]. Looked up by name, so candidates that have no such directory cost no string building.
    /// </summary>
    public ulong DropInDirectoryMask(string name, int kind) =>
        dropInDirectories.TryGetValue(name, out ulong[]? masks) ? masks[kind] : 0;

    /// <summary>A unit file the manager wrote in SearchPath[<paramref name="dirIndex"/>]: found by name from now on, unless
    /// a directory of higher priority has the name already.</summary>
    public void AddFile(int dirIndex, string name, string path)
    {
        if (!UnitName.IsValid(name))
            return;
        if (ids.TryGetValue(name, out string? existing) && existing.StartsWith('/')
            && SearchPath.Take(dirIndex).Any(p => existing.StartsWith(p + "/", StringComparison.Ordinal)))
            return;
        ids[name] = path;
    }

    /// <summary>The unit file the manager wrote at <paramref name="path"/> is gone.</summary>
    public void RemoveFile(string name, string path)
    {
        if (ids.TryGetValue(name, out string? existing) && existing == path)
            ids.Remove(name);
    }

    /// <summary>A drop-in directory ("NAME.d") the manager made in SearchPath[<paramref name="dirIndex"/>].</summary>
    public void AddDropInDirectory(int dirIndex, string entry) => NoteDropInDirectory(entry, dirIndex);

    private void NoteDropInDirectory(string entry, int dirIndex)
    {
        if (dirIndex >= 64)
            return; // more than 64 search directories: drop-ins of the extra ones are not looked for
        for (int kind = 0; kind < DropInSuffixes.Length; kind++)
        {
            if (!entry.EndsWith(DropInSuffixes[kind], StringComparison.Ordinal))
                continue;
            string name = entry[..^DropInSuffixes[kind].Length];
            if (!dropInDirectories.TryGetValue(name, out ulong[]? masks))
                dropInDirectories[name] = masks = new ulong[DropInSuffixes.Length];
            masks[kind] |= 1UL << dirIndex;
        }
    }

    private void AddSymlink(IUnitFileSystem fs, string dir, string name, string path)
    {
        string? target = fs.ReadLink(path);
        if (target is null)
            return;
        string simplified = Simplify(target.StartsWith('/') ? target : dir + "/" + target);
        string? within = SearchPath.FirstOrDefault(p => simplified.StartsWith(p + "/", StringComparison.Ordinal));
        if (within is null)
        {
            // Linked unit file or mask: the symlink itself is the fragment path.
            ids[name] = path;
            return;
        }

        string dst = simplified[(simplified.LastIndexOf('/') + 1)..];
        if (simplified.AsSpan(within.Length + 1).Contains('/'))
            diagnostics.Add(new Diagnostic("", 0, DiagnosticSeverity.Warning, $"Suspicious symlink {path}→{simplified}, treating as alias."));
        if (!IsValidAlias(name, dst))
            return;
        ids[name] = dst;
    }

    /// <summary>unit_validate_alias_symlink_or_warn(), at systemd's LOG_NOTICE.</summary>
    private bool IsValidAlias(string src, string dst)
    {
        if (src == dst)
        {
            notes.Add(new Diagnostic(src, 0, DiagnosticSeverity.Warning, $"unit self-alias: {src} → {dst}, ignoring."));
            return false;
        }
        UnitName s = UnitName.Parse(src);
        if (!MayAlias(s.Type))
            return Reject(src, "symlinks are not allowed for units of this type, rejecting.");
        if (!s.IsPlain && !MayTemplate(s.Type))
            return Reject(src, $"templates not allowed for {s.Type.Suffix()} units, rejecting.");
        if (!UnitName.TryParse(dst, out UnitName d))
        {
            diagnostics.Add(new Diagnostic("", 0, DiagnosticSeverity.Warning, $"{src} points to \"{dst}\" which is not a valid unit name: Invalid cross-device link"));
            return false;
        }
        if (!(d.Kind == s.Kind || (s.IsInstance && d.IsTemplate)))
            return Reject(src, $"symlink target name type \"{dst}\" does not match source, rejecting.");
        if (d.IsInstance && d.Instance != s.Instance)
            return Reject(src, $"unit symlink target \"{dst}\" instance name doesn't match, rejecting.");
        if (d.Type != s.Type)
            return Reject(src, $"symlink target \"{dst}\" has incompatible suffix, rejecting.");
        return true;
    }

    private bool Reject(string src, string message)
    {
        diagnostics.Add(new Diagnostic(src, 0, DiagnosticSeverity.Warning, message));
        return false;
    }

    /// <summary>A name ending in a unit type suffix, e.g. "my unit.service": someone meant it as a unit.</summary>
    private static bool LooksLikeUnitFile(string name)
    {
        int dot = name.LastIndexOf('.');
        return dot >= 0 && UnitTypes.TryParse(name.AsSpan(dot + 1), out _);
    }

    internal static bool MayAlias(UnitType type) =>
        type is UnitType.Service or UnitType.Socket or UnitType.Target or UnitType.Device or UnitType.Timer or UnitType.Path;

    internal static bool MayTemplate(UnitType type) =>
        type is UnitType.Service or UnitType.Socket or UnitType.Target or UnitType.Timer or UnitType.Path;

    /// <summary>
    /// unit_ids_map_get(): follows aliases to a fragment path. A missing alias target that is an instance
    /// falls back to its template. Returns the path, or null with ENOENT (unknown name), ENXIO (broken alias)
    /// or ELOOP.
    /// </summary>
    public string? GetFragment(string name, out Errno error)
    {
        error = 0;
        string? id = null;
        for (int n = 0; n < FollowMax; n++)
        {
            if (!ids.TryGetValue(id ?? name, out string? t))
            {
                if (id is null)
                {
                    error = Errno.ENOENT;
                    return null;
                }
                if (!UnitName.TryParse(id, out UnitName idName) || idName.Template is not string template || !ids.TryGetValue(template, out t))
                {
                    error = Errno.ENXIO;
                    return null;
                }
            }
            if (t.StartsWith('/'))
                return t;
            id = t;
        }
        error = Errno.ELOOP;
        return null;
    }

    /// <summary>The names that resolve to the fragment called <paramref name="fragmentName"/> (itself included).</summary>
    public IReadOnlyList<string> AliasesOf(string fragmentName) =>
        aliasesByTarget.TryGetValue(fragmentName, out List<string>? list) ? list : [];

    private void BuildReverseMap(IUnitFileSystem fs)
    {
        var masked = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (string src in ids.Keys)
        {
            string? path = GetFragment(src, out _);
            if (path is null)
                continue;
            if (!masked.TryGetValue(path, out bool isMask))
            {
                isMask = IsMaskPath(fs, path);
                masked[path] = isMask;
            }
            if (isMask)
                continue;
            string dst = path[(path.LastIndexOf('/') + 1)..];
            if (UnitName.TryParse(dst, UnitNameKinds.Template, out UnitName template) && UnitName.TryParse(src, UnitNameKinds.Instance, out UnitName instance))
            {
                if (!template.TryWithInstance(instance.Instance!, out UnitName built))
                    continue;
                dst = built.Name;
            }
            if (!aliasesByTarget.TryGetValue(dst, out List<string>? list))
                aliasesByTarget[dst] = list = [];
            list.Add(src);
        }
    }

    /// <summary>A symlink to /dev/null masks; regular files are never checked here (reading them is the loader's job).</summary>
    private static bool IsMaskPath(IUnitFileSystem fs, string path)
    {
        string? target = fs.ReadLink(path);
        return target is not null && (target == "/dev/null" || fs.KindFollowingLinks(path) == EntryKind.Other);
    }

    /// <summary>Removes "." and ".." components and repeated slashes without touching the disk (CHASE_NOFOLLOW|CHASE_NONEXISTENT).</summary>
    internal static string Simplify(string path)
    {
        var parts = new List<string>();
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }
}
