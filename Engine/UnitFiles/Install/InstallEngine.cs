using Units.UnitFiles.Loading;
using Units.UnitFiles.Names;

namespace Units.UnitFiles.Install;

/// <summary>
/// The mechanics of systemd 252's install.c over one scope's lookup paths: finding a name in the search path
/// and following its aliases (discover/traverse), reading [Install], creating the symlinks a unit asks for,
/// and removing every symlink that leads to a set of names. Functions return 0 or a count on success and a
/// negative errno on failure, exactly where systemd does, because callers branch on those values the same way.
/// </summary>
internal sealed class InstallEngine(InstallLookupPaths lp, DiagnosticBag diagnostics)
{
    private const int FollowSymlinkMax = 64;

    public InstallLookupPaths Paths => lp;

    public InstallScope Scope => lp.Scope;

    /// <summary>Diagnostics about [Install] sections read on the way (unknown keys, bad values).</summary>
    public DiagnosticBag Diagnostics => diagnostics;

    // ---- loading -------------------------------------------------------------------------------

    /// <summary>unit_file_load(): classifies (and with Load, reads) one file for <paramref name="info"/>.</summary>
    private int LoadFile(InstallContext? ctx, InstallInfo info, string path, SearchFlags flags)
    {
        if ((flags & SearchFlags.Dropin) == 0)
        {
            if (NameRules.TypeOf(info.Name) is not { } type)
                return -InstallErrno.EINVAL;
            if (UnitName.IsValid(info.Name, UnitNameKinds.Template | UnitNameKinds.Instance) && !NameRules.MayTemplate(type))
                return -InstallErrno.EINVAL;

            FileKind kind = InstallFileSystem.Lstat(path, out long size);
            if (kind == FileKind.Missing)
                return -InstallErrno.ENOENT;
            if (kind == FileKind.Symlink)
                return -InstallErrno.ELOOP;
            if (kind == FileKind.Directory)
                return -InstallErrno.EISDIR;
            if (size == 0)
            {
                info.Mode = InstallMode.Masked;
                return 0;
            }
            if ((flags & SearchFlags.Load) == 0)
            {
                info.Mode = InstallMode.Regular;
                return 0;
            }
        }
        else
        {
            if ((flags & SearchFlags.Load) == 0)
                return 0;
            int c = InstallFileSystem.Chase(path, lp.RootDir, nonexistent: false, noFollowLast: false, out string resolved);
            if (c < 0)
                return c;
            FileKind kind = InstallFileSystem.Lstat(resolved, out long size);
            if (kind == FileKind.Directory)
                return -InstallErrno.EISDIR;
            if (size == 0)
                return 0;
            path = resolved;
        }

        // Read with O_NONBLOCK (a FIFO in the search path must not hang the caller).
        FileContent file = UnitFileSystem.Instance.Read(path);
        if (file.Error != 0)
            return -(int)file.Error;
        if (file.IsNullOrEmpty || file.Content is not { } content)
        {
            if ((flags & SearchFlags.Dropin) == 0)
                info.Mode = InstallMode.Masked;
            return 0;
        }

        int r = InstallSection.Read(ctx, info, path, content, Diagnostics);
        if (r < 0)
            return r;
        if ((flags & SearchFlags.Dropin) == 0)
            info.Mode = InstallMode.Regular;
        return info.RuleCount;
    }

    /// <summary>unit_file_load_or_readlink(): a symlink becomes an alias, a linked file or a mask.</summary>
    private int LoadOrReadLink(InstallContext? ctx, InstallInfo info, string path, SearchFlags flags)
    {
        int r = LoadFile(ctx, info, path, flags);
        if (r != -InstallErrno.ELOOP || (flags & SearchFlags.Dropin) != 0)
            return r;

        r = ResolveSymlink(path, out string target);
        if (r < 0)
            return r;
        bool outsideSearchPath = r > 0;
        info.SymlinkTarget = target;

        r = NullOrEmptyWithRoot(target);
        if (r < 0 && r != -InstallErrno.ENOENT)
            return r;
        info.Mode = r > 0 ? InstallMode.Masked : outsideSearchPath ? InstallMode.Linked : InstallMode.Alias;
        return 0;
    }

    /// <summary>
    /// unit_file_resolve_symlink() for installation: the final destination (root-prefixed, "." and ".." resolved).
    /// Returns 1 for a linked unit file (destination outside the search path), 0 for an alias, or a negative errno
    /// when an alias is not a valid one.
    /// </summary>
    private int ResolveSymlink(string path, out string destination)
    {
        destination = "";
        string? target = InstallFileSystem.ReadLink(path);
        if (target is null)
            return -InstallErrno.EINVAL;
        string dir = InstallFileSystem.Dirname(path);
        string filename = InstallFileSystem.Basename(path);
        bool isAbsolute = target.StartsWith('/');
        if (lp.RootDir is not null || !isAbsolute)
            target = InstallFileSystem.Join(isAbsolute ? lp.RootDir : dir, target);

        int r = InstallFileSystem.Chase(target, lp.RootDir, nonexistent: true, noFollowLast: true, out string simplified);
        if (r < 0)
            return r;

        bool alias = lp.SearchPath.Any(p => InstallFileSystem.StartsWith(simplified, p) is not null);
        if (alias)
        {
            r = UnitAliases.ValidateAliasSymlink(filename, simplified, Diagnostics);
            if (r < 0)
                return r;
        }
        destination = simplified;
        return alias ? 0 : 1;
    }

    /// <summary>null_or_empty_path_with_root(): a symlink to /dev/null, or (as systemd computes it) an empty file.</summary>
    private int NullOrEmptyWithRoot(string path)
    {
        if (InstallFileSystem.StartsWith(path, lp.RootDir ?? "/") == "dev/null")
            return 1;
        // systemd prefixes the root once more here (CHASE_PREFIX_ROOT on an already prefixed path), so below a
        // root directory only /dev/null counts; on the host an empty file does too.
        string chased = lp.RootDir is null ? path : InstallFileSystem.Join(lp.RootDir, path);
        int r = InstallFileSystem.Chase(chased, lp.RootDir, nonexistent: false, noFollowLast: false, out string resolved);
        if (r < 0)
            return r;
        return InstallFileSystem.Lstat(resolved, out long size) == FileKind.Regular && size == 0 ? 1 : 0;
    }

    /// <summary>unit_file_search(): finds the name (or its template) in the search path, then reads its drop-ins.</summary>
    public int Search(InstallContext? ctx, InstallInfo info, SearchFlags flags)
    {
        if (info.Mode != InstallMode.Unknown)
            return 0;
        if (info.Path is not null)
            return LoadOrReadLink(ctx, info, info.Path, flags);

        string? template = UnitName.IsValid(info.Name, UnitNameKinds.Instance) ? NameRules.TemplateOf(info.Name) : null;
        int result = 0;
        bool found = false;
        foreach (string name in template is null ? [info.Name] : new[] { info.Name, template })
        {
            foreach (string dir in lp.SearchPath)
            {
                string path = InstallFileSystem.Join(dir, name);
                int r = LoadOrReadLink(ctx, info, path, flags);
                if (r >= 0)
                {
                    info.Path = path;
                    result = r;
                    found = true;
                    break;
                }
                if (r is not (-InstallErrno.ENOENT or -InstallErrno.ENOTDIR or -InstallErrno.EACCES))
                    return r;
            }
            if (found)
                break;
        }
        if (!found)
            return -InstallErrno.ENOENT;
        if (info.Mode == InstallMode.Masked)
            return result;

        var dropinDirs = lp.SearchPath.Select(p => InstallFileSystem.Join(p, info.Name + ".d")).ToList();
        if (template is not null)
            dropinDirs.AddRange(lp.SearchPath.Select(p => InstallFileSystem.Join(p, template + ".d")));
        foreach (string file in ConfigFiles.List(dropinDirs, ".conf", root: null))
        {
            int r = LoadOrReadLink(ctx, info, file, flags | SearchFlags.Dropin);
            if (r < 0)
                return r;
        }
        return result;
    }

    /// <summary>install_info_follow(): continues at the symlink's destination.</summary>
    private int Follow(InstallContext? ctx, InstallInfo info, SearchFlags flags, bool ignoreDifferentName)
    {
        if (info.Mode is not (InstallMode.Alias or InstallMode.Linked) || info.SymlinkTarget is null)
            return -InstallErrno.EINVAL;
        if (!ignoreDifferentName && InstallFileSystem.Basename(info.SymlinkTarget) != info.Name)
            return -InstallErrno.EXDEV;
        info.Path = info.SymlinkTarget;
        info.SymlinkTarget = null;
        info.Mode = InstallMode.Unknown;
        return LoadOrReadLink(ctx, info, info.Path, flags);
    }

    /// <summary>install_info_traverse(): searches, then follows aliases (switching to the target's name) until a file or mask.</summary>
    public int Traverse(InstallContext ctx, InstallInfo start, SearchFlags flags, out InstallInfo result)
    {
        result = start;
        int r = Search(ctx, start, flags);
        if (r < 0)
            return r;

        InstallInfo i = start;
        int k = 0;
        while (i.Mode is InstallMode.Alias or InstallMode.Linked)
        {
            if (++k > FollowSymlinkMax)
                return -InstallErrno.ELOOP;
            if ((flags & SearchFlags.FollowConfigSymlinks) == 0 && lp.IsConfig(i.Path!, checkParent: true))
                return -InstallErrno.ELOOP;

            r = Follow(ctx, i, flags, ignoreDifferentName: i.Mode == InstallMode.Linked);
            if (r == -InstallErrno.EXDEV && i.SymlinkTarget is not null)
            {
                string bn = InstallFileSystem.Basename(i.SymlinkTarget);
                if (UnitName.IsValid(i.Name, UnitNameKinds.Instance) && UnitName.IsValid(bn, UnitNameKinds.Template))
                {
                    string? buffer = NameRules.WithInstance(bn, NameRules.InstanceOf(i.Name)!);
                    if (buffer is null)
                        return -InstallErrno.EINVAL;
                    if (buffer == i.Name)
                    {
                        r = Follow(ctx, i, flags, ignoreDifferentName: true);
                        if (r < 0)
                            return r;
                        continue;
                    }
                    bn = buffer;
                }

                r = ctx.Add(bn, null, lp.RootDir, auxiliary: false, out InstallInfo? next);
                if (r < 0)
                    return r;
                i = next!;
                r = Search(ctx, i, flags);
                if (r == -InstallErrno.ENOENT)
                    return -InstallErrno.ENOLINK;
            }
            if (r < 0)
                return r;
        }
        result = i;
        return 0;
    }

    /// <summary>install_info_discover(): adds a name or absolute path to the context and traverses it; failures are recorded.</summary>
    public int Discover(InstallContext ctx, string nameOrPath, SearchFlags flags, out InstallInfo? info, ChangeList? changes)
    {
        info = null;
        int r = nameOrPath.StartsWith('/')
            ? ctx.Add(null, InstallFileSystem.Join(lp.RootDir, nameOrPath), lp.RootDir, auxiliary: false, out info)
            : ctx.Add(nameOrPath, null, lp.RootDir, auxiliary: false, out info);
        if (r >= 0)
        {
            r = Traverse(ctx, info!, flags, out InstallInfo found);
            info = found;
        }
        if (r < 0)
        {
            // Like systemd, a failed discovery hands back no unit.
            info = null;
            changes?.Add(r, nameOrPath, null);
        }
        return r;
    }

    /// <summary>install_info_may_process(): masked, generated and transient units are not to be enabled.</summary>
    public int MayProcess(InstallInfo info, ChangeList? changes)
    {
        if (info.Mode == InstallMode.Masked)
            return Record(changes, -InstallErrno.ERFKILL, info.Path!, null);
        if (lp.IsGenerator(info.Path!) || lp.IsTransient(info.Path!))
            return Record(changes, -InstallErrno.EADDRNOTAVAIL, info.Path!, null);
        return 0;
    }

    public int DiscoverAndCheck(InstallContext ctx, string nameOrPath, SearchFlags flags, out InstallInfo? info, ChangeList? changes)
    {
        int r = Discover(ctx, nameOrPath, flags, out info, changes);
        return r < 0 ? r : MayProcess(info!, changes);
    }

    private static int Record(ChangeList? changes, int error, string path, string? source)
    {
        changes?.Add(error, path, source);
        return error;
    }

    // ---- creating symlinks ---------------------------------------------------------------------

    /// <summary>
    /// create_symlink(): makes <paramref name="newPath"/> point to <paramref name="oldPath"/> (root prefix removed);
    /// an equivalent existing link is fine, a different one is replaced only with <paramref name="force"/>.
    /// Returns 1 or a negative errno (also recorded).
    /// </summary>
    public int CreateSymlink(string oldPath, string newPath, bool force, ChangeList changes)
    {
        oldPath = lp.SkipRoot(oldPath) ?? oldPath;
        InstallFileSystem.MakeParents(newPath);
        int r = InstallFileSystem.Symlink(oldPath, newPath);
        if (r == 0)
        {
            changes.Add(InstallChangeType.Symlink, newPath, oldPath);
            return 1;
        }
        if (r != InstallErrno.EEXIST)
            return changes.Add(-r, newPath, null);

        string? dest = InstallFileSystem.ReadLink(newPath);
        if (dest is null)
            return changes.Add(-InstallErrno.EEXIST, newPath, null);
        if (SymlinksEquivalent(newPath, dest, oldPath))
            return 1;
        if (!force)
            return changes.Add(-InstallErrno.EEXIST, newPath, dest);

        r = InstallFileSystem.ReplaceWithSymlink(oldPath, newPath);
        if (r != 0)
            return changes.Add(-r, newPath, null);
        changes.Add(InstallChangeType.Unlink, newPath, null);
        changes.Add(InstallChangeType.Symlink, newPath, oldPath);
        return 1;
    }

    /// <summary>chroot_unit_symlinks_equivalent(): same file, or same unit name with both inside the search path.</summary>
    private bool SymlinksEquivalent(string src, string targetA, string targetB)
    {
        string root = lp.RootDir ?? "/";
        string dir = InstallFileSystem.Dirname(src);
        string a = InstallFileSystem.Join(targetA.StartsWith('/') ? root : dir, targetA);
        string b = InstallFileSystem.Join(targetB.StartsWith('/') ? root : dir, targetB);
        if (InstallFileSystem.PathEqual(a, b) || SameFile(a, b))
            return true;
        return InstallFileSystem.Basename(a) == InstallFileSystem.Basename(b)
            && lp.SearchPath.Any(p => InstallFileSystem.StartsWith(a, p) is not null)
            && lp.SearchPath.Any(p => InstallFileSystem.StartsWith(b, p) is not null);
    }

    /// <summary>path_equal_or_files_same(): both resolve to the same existing file (compared by resolved path).</summary>
    private static bool SameFile(string a, string b)
    {
        int ra = InstallFileSystem.Chase(a, null, nonexistent: false, noFollowLast: false, out string ca);
        int rb = InstallFileSystem.Chase(b, null, nonexistent: false, noFollowLast: false, out string cb);
        return ra > 0 && rb > 0 && ca == cb;
    }

    /// <summary>install_info_symlink_alias(): one symlink per Alias=.</summary>
    private int SymlinkAliases(InstallInfo info, string configPath, bool force, ChangeList changes)
    {
        int r = 0;
        foreach (string alias in info.Aliases)
        {
            int q = InstallSpecifiers.Expand(Scope, info, alias, out string dst);
            if (q < 0)
            {
                changes.Add(q, alias, null);
                r = r < 0 ? r : q;
                continue;
            }
            q = UnitAliases.VerifyAlias(info, dst, out string? updated, changes);
            if (q == -InstallErrno.ELOOP)
                continue;
            if (q < 0)
            {
                r = r < 0 ? r : q;
                continue;
            }
            string aliasPath = MakeAbsolute(updated ?? dst, configPath);
            q = CreateSymlink(info.Path!, aliasPath, force, changes);
            r = r < 0 ? r : q;
        }
        return r;
    }

    /// <summary>install_info_symlink_wants(): the .wants/ or .requires/ symlinks of WantedBy= or RequiredBy=.</summary>
    private int SymlinkWants(InstallInfo info, bool ignoreAuxiliaryFailure, string configPath,
        List<string> list, string suffix, ChangeList changes)
    {
        if (list.Count == 0)
            return 0;

        UnitNameKinds validDst = UnitNameKinds.Any;
        string n;
        if (UnitName.IsValid(info.Name, UnitNameKinds.Plain | UnitNameKinds.Instance))
            n = info.Name;
        else if (info.DefaultInstance is not null)
        {
            string? instanceName = NameRules.WithInstance(info.Name, info.DefaultInstance);
            if (instanceName is null)
                return -InstallErrno.EINVAL;
            var instance = new InstallInfo(instanceName);
            int s = Search(null, instance, SearchFlags.FollowConfigSymlinks);
            if (s < 0)
                return s;
            if (instance.Mode == InstallMode.Masked)
                return changes.Add(-InstallErrno.ERFKILL, instance.Path!, null);
            n = instance.Name;
        }
        else
        {
            validDst = UnitNameKinds.Instance | UnitNameKinds.Template;
            n = info.Name;
        }

        int r = 0;
        foreach (string s in list)
        {
            int q = InstallSpecifiers.Expand(Scope, info, s, out string dst);
            if (q < 0)
            {
                changes.Add(q, s, null);
                if (r >= 0)
                    r = q;
                continue;
            }
            if (!UnitName.IsValid(dst, validDst))
            {
                if (ignoreAuxiliaryFailure)
                    continue;
                q = UnitName.IsValid(dst, UnitNameKinds.Any)
                    ? changes.Add(-InstallErrno.EIDRM, dst, n)
                    : changes.Add(-InstallErrno.EUCLEAN, dst, null);
                if (r >= 0)
                    r = q;
                continue;
            }

            string path = configPath + "/" + dst + suffix + n;
            q = CreateSymlink(info.Path!, path, force: true, changes);
            if ((q < 0 && r >= 0) || r == 0)
                r = q;

            if (UnitExists(dst) == 0)
                changes.Add(InstallChangeType.DestinationNotPresent, dst, info.Path);
        }
        return r;
    }

    /// <summary>install_info_symlink_link(): a unit file outside the search path is linked into the configuration directory.</summary>
    private int SymlinkLink(InstallInfo info, string configPath, bool force, ChangeList changes)
    {
        if (lp.InSearchPath(info.Path!))
            return 0;
        return CreateSymlink(info.Path!, InstallFileSystem.Join(configPath, info.Name), force, changes);
    }

    /// <summary>install_info_apply(): all symlinks one regular unit asks for.</summary>
    private int Apply(InstallInfo info, InstallFlags flags, bool ignoreAuxiliaryFailure, string configPath, ChangeList changes)
    {
        if (info.Mode != InstallMode.Regular)
            return 0;
        bool force = (flags & InstallFlags.Force) != 0;
        int r = SymlinkLink(info, configPath, force, changes);
        if (r < 0)
            return r;
        r = SymlinkAliases(info, configPath, force, changes);
        int q = SymlinkWants(info, ignoreAuxiliaryFailure, configPath, info.WantedBy, ".wants/", changes);
        if (r == 0)
            r = q;
        q = SymlinkWants(info, ignoreAuxiliaryFailure, configPath, info.RequiredBy, ".requires/", changes);
        if (r == 0)
            r = q;
        return r;
    }

    /// <summary>install_context_apply(): processes every queued name (Also= may queue more); returns the number of rules or an error.</summary>
    public int ApplyContext(InstallContext ctx, InstallFlags flags, bool ignoreAuxiliaryFailure, string configPath, SearchFlags searchFlags, ChangeList changes)
    {
        int r = 0;
        while (ctx.HasPending)
        {
            InstallInfo i = ctx.TakeFirst();
            int q = Traverse(ctx, i, searchFlags, out _);
            if (q < 0)
            {
                if (i.Auxiliary)
                {
                    changes.Add(InstallChangeType.AuxiliaryFailed, i.Name, null);
                    continue;
                }
                return changes.Add(q, i.Name, null);
            }
            if (i.Mode == InstallMode.Masked)
            {
                changes.Add(InstallChangeType.IsMasked, i.Path!, null);
                if (r >= 0)
                    r++;
                continue;
            }
            if (i.Mode != InstallMode.Regular)
                continue;
            q = Apply(i, flags, ignoreAuxiliaryFailure, configPath, changes);
            if (r >= 0)
                r = q < 0 ? q : r + q;
        }
        return r;
    }

    /// <summary>unit_file_exists(): 1, 0 when not found, or a negative errno for other failures.</summary>
    public int UnitExists(string name)
    {
        if (!UnitName.IsValid(name, UnitNameKinds.Any))
            return -InstallErrno.EINVAL;
        int r = Discover(new InstallContext(Scope), name, SearchFlags.None, out _, null);
        return r == -InstallErrno.ENOENT ? 0 : r < 0 ? r : 1;
    }

    // ---- removing symlinks ---------------------------------------------------------------------

    /// <summary>install_context_mark_for_removal(): every queued name that resolves to a regular unit (or is missing) is marked.</summary>
    public int MarkForRemoval(InstallContext ctx, HashSet<string> remove, ChangeList changes)
    {
        while (ctx.HasPending)
        {
            InstallInfo i = ctx.TakeFirst();
            int r = Traverse(ctx, i, SearchFlags.Load | SearchFlags.FollowConfigSymlinks, out _);
            if (r == -InstallErrno.ENOLINK)
                changes.Add(InstallChangeType.IsDangling, i.Path ?? i.Name, null);
            else if (r == -InstallErrno.ENOENT)
            {
                if (!i.Auxiliary)
                    changes.Add(r, i.Path ?? i.Name, null);
            }
            else if (r < 0)
                changes.Add(r, i.Path ?? i.Name, null);
            else if (i.Mode == InstallMode.Masked)
            {
                changes.Add(InstallChangeType.IsMasked, i.Path ?? i.Name, null);
                continue;
            }
            else if (i.Mode != InstallMode.Regular)
                continue;
            remove.Add(InstallFileSystem.Simplify(i.Name));
        }
        return 0;
    }

    /// <summary>
    /// remove_marked_symlinks(): removes, below <paramref name="configPath"/>, every symlink whose name, template name,
    /// destination or destination's name is marked; each removed link is marked in turn, and the scan repeats until
    /// nothing new is marked.
    /// </summary>
    public int RemoveMarkedSymlinks(HashSet<string> remove, string? configPath, bool dryRun, ChangeList changes)
    {
        if (remove.Count == 0 || configPath is null)
            return 0;
        if (InstallFileSystem.Lstat(configPath) == FileKind.Missing)
            return 0;
        int r = 0;
        bool restart;
        do
        {
            restart = false;
            int q = RemoveMarkedIn(remove, configPath, configPath, dryRun, ref restart, changes);
            if (r == 0)
                r = q;
        }
        while (restart);
        return r;
    }

    private int RemoveMarkedIn(HashSet<string> remove, string dir, string configPath, bool dryRun, ref bool restart, ChangeList changes)
    {
        int r = 0;
        foreach (DirEntry de in InstallFileSystem.ReadDirectory(dir))
        {
            string p = InstallFileSystem.Simplify(InstallFileSystem.Join(dir, de.Name));
            if (de.Kind == FileKind.Directory)
            {
                int q = RemoveMarkedIn(remove, p, configPath, dryRun, ref restart, changes);
                if (q < 0 && r == 0)
                    r = q;
                continue;
            }
            if (de.Kind != FileKind.Symlink || !UnitName.IsValid(de.Name, UnitNameKinds.Any))
                continue;

            bool found = remove.Contains(de.Name)
                || (NameRules.TemplateOf(de.Name) is { } template && remove.Contains(template));
            if (!found)
            {
                int q = InstallFileSystem.Chase(p, lp.RootDir, nonexistent: true, noFollowLast: false, out string dest);
                if (q == -InstallErrno.ENOENT)
                    continue;
                if (q < 0)
                {
                    changes.Add(q, p, null);
                    if (r == 0)
                        r = q;
                    continue;
                }
                found = remove.Contains(dest) || remove.Contains(InstallFileSystem.Basename(dest));
            }
            if (!found)
                continue;

            if (!dryRun)
            {
                int u = InstallFileSystem.Unlink(p);
                if (u != 0 && u != InstallErrno.ENOENT)
                {
                    if (r == 0)
                        r = -u;
                    changes.Add(-u, p, null);
                    continue;
                }
                InstallFileSystem.RemoveEmptyParents(p, configPath);
            }
            changes.Add(InstallChangeType.Unlink, p, null);
            if (remove.Add(InstallFileSystem.Simplify(lp.SkipRoot(p) ?? p)) && !dryRun)
                restart = true;
        }
        return r;
    }

    // ---- state ---------------------------------------------------------------------------------

    /// <summary>unit_file_lookup_state(): 0 and the state, or a negative errno when the name cannot be resolved.</summary>
    public int LookupState(string name, out UnitFileState state)
    {
        state = UnitFileState.Bad;
        if (!UnitName.IsValid(name, UnitNameKinds.Any))
            return -InstallErrno.EINVAL;
        var ctx = new InstallContext(Scope);
        int r = Discover(ctx, name, SearchFlags.Load | SearchFlags.FollowConfigSymlinks, out InstallInfo? info, null);
        if (r < 0)
            return r;

        if (info!.Mode == InstallMode.Masked)
        {
            state = lp.IsRuntime(info.Path!, checkParent: true) ? UnitFileState.MaskedRuntime : UnitFileState.Masked;
            return 0;
        }
        if (name != InstallFileSystem.Basename(info.Path!) && !UnitName.IsValid(info.Name, UnitNameKinds.Instance))
        {
            state = UnitFileState.Alias;
            return 0;
        }
        if (lp.IsGenerator(info.Path!))
        {
            state = UnitFileState.Generated;
            return 0;
        }
        if (lp.IsTransient(info.Path!))
        {
            state = UnitFileState.Transient;
            return 0;
        }
        if (FindSymlinksInScope(info, matchName: true, out state))
            return 0;
        if (FindSymlinksInScope(info, matchName: false, out _))
            state = UnitFileState.Indirect;
        else if (info.HasRules)
            state = UnitFileState.Disabled;
        else if (info.Also.Count > 0)
            state = UnitFileState.Indirect;
        else
            state = UnitFileState.Static;
        return 0;
    }

    /// <summary>find_symlinks_in_scope(): where (if anywhere) the unit is enabled or linked.</summary>
    private bool FindSymlinksInScope(InstallInfo info, bool matchName, out UnitFileState state)
    {
        state = UnitFileState.Bad;
        bool sameNameLinkRuntime = false, sameNameLinkConfig = false, enabledInRuntime = false, enabledAtAll = false, ignoreSameName = false;
        foreach (string p in lp.SearchPath)
        {
            bool sameNameLink = false;
            if (FindSymlinks(info, matchName, ignoreSameName, p, ref sameNameLink))
            {
                if (InstallFileSystem.PathEqual(p, lp.PersistentConfig))
                {
                    state = UnitFileState.Enabled;
                    return true;
                }
                if (Scope == InstallScope.User && InstallLookupPaths.IsUserConfigDir(p))
                {
                    state = UnitFileState.Enabled;
                    return true;
                }
                if (lp.IsRuntime(p, checkParent: false))
                    enabledInRuntime = true;
                else
                    enabledAtAll = true;
            }
            else if (sameNameLink)
            {
                if (InstallFileSystem.PathEqual(p, lp.PersistentConfig))
                    sameNameLinkConfig = true;
                else if (lp.IsRuntime(p, checkParent: false))
                    sameNameLinkRuntime = true;
            }
            if (!ignoreSameName && InstallFileSystem.StartsWith(info.Path!, p) is not null)
                ignoreSameName = true;
        }
        if (enabledInRuntime)
        {
            state = UnitFileState.EnabledRuntime;
            return true;
        }
        if (enabledAtAll && UnitName.IsValid(info.Name, UnitNameKinds.Instance))
        {
            state = UnitFileState.Static;
            return true;
        }
        if (sameNameLinkConfig)
        {
            state = UnitFileState.Linked;
            return true;
        }
        if (sameNameLinkRuntime)
        {
            state = UnitFileState.LinkedRuntime;
            return true;
        }
        return false;
    }

    /// <summary>find_symlinks(): looks in the .wants/ and .requires/ directories of one search path entry, then at the entry itself.</summary>
    private bool FindSymlinks(InstallInfo info, bool matchName, bool ignoreSameName, string configPath, ref bool sameNameLink)
    {
        if (InstallFileSystem.Lstat(configPath) is not (FileKind.Directory or FileKind.Symlink))
            return false;
        foreach (DirEntry de in InstallFileSystem.ReadDirectory(configPath))
        {
            if (de.Kind != FileKind.Directory)
                continue;
            int dot = de.Name.LastIndexOf('.');
            if (dot < 0 || de.Name[dot..] is not (".wants" or ".requires"))
                continue;
            string path = InstallFileSystem.Join(configPath, de.Name);
            if (FindSymlinksInDirectory(path, info, ignoreDestination: true, matchName, ignoreSameName, configPath, ref sameNameLink))
                return true;
        }
        return FindSymlinksInDirectory(configPath, info, ignoreDestination: false, matchName, ignoreSameName, configPath, ref sameNameLink);
    }

    private static bool FindSymlinksInDirectory(string dirPath, InstallInfo info, bool ignoreDestination, bool matchName,
        bool ignoreSameName, string configPath, ref bool sameNameLink)
    {
        foreach (DirEntry de in InstallFileSystem.ReadDirectory(dirPath))
        {
            if (de.Kind != FileKind.Symlink)
                continue;
            bool foundPath = false, foundDest = false;
            if (!ignoreDestination)
            {
                string? dest = InstallFileSystem.ReadLink(InstallFileSystem.Join(dirPath, de.Name));
                if (dest is null)
                    continue;
                if (!dest.StartsWith('/'))
                    dest = InstallFileSystem.Join(dirPath, dest);
                foundDest = InstallFileSystem.Basename(dest) == info.Name;
            }
            if (ignoreDestination || !ignoreSameName)
                foundPath = de.Name == info.Name;
            if (!foundPath && ignoreDestination && NameRules.TemplateOf(de.Name) is { } template)
                foundDest = template == info.Name;

            bool b = foundPath && foundDest && InstallFileSystem.PathEqual(
                InstallFileSystem.Join(dirPath, de.Name), InstallFileSystem.Join(configPath, info.Name));
            if (b)
                sameNameLink = true;
            else if (foundPath || foundDest)
            {
                if (!matchName || IsSymlinkWithKnownName(info, de.Name))
                    return true;
            }
        }
        return false;
    }

    /// <summary>is_symlink_with_known_name(): the unit's own name, one of its Alias= names, or its DefaultInstance= instance.</summary>
    private static bool IsSymlinkWithKnownName(InstallInfo info, string name)
    {
        if (name == info.Name || info.Aliases.Contains(name))
            return true;
        return info.DefaultInstance is not null && UnitName.IsValid(info.Name, UnitNameKinds.Template)
            && NameRules.WithInstance(info.Name, info.DefaultInstance) == name;
    }

    public static string MakeAbsolute(string path, string prefix) =>
        path.StartsWith('/') ? path : InstallFileSystem.Join(prefix, path);
}

/// <summary>The change list being built: entries are path-simplified as systemd's install_changes_add() does.</summary>
internal sealed class ChangeList
{
    private readonly List<InstallChange> items = [];

    public IReadOnlyList<InstallChange> Items => items;

    public void Add(InstallChangeType type, string path, string? source) =>
        items.Add(new InstallChange(type, InstallFileSystem.Simplify(path), source is null ? null : InstallFileSystem.Simplify(source)));

    /// <summary>Records a failure (<paramref name="negativeErrno"/> &lt; 0) and returns it, so callers can "return changes.Add(…)".</summary>
    public int Add(int negativeErrno, string path, string? source)
    {
        items.Add(new InstallChange(InstallChangeType.Error, InstallFileSystem.Simplify(path),
            source is null ? null : InstallFileSystem.Simplify(source), -negativeErrno));
        return negativeErrno;
    }
}
