namespace Units.UnitFiles.Install;

/// <summary>Which alias symlinks systemd 252 accepts (unit-file.c and unit_file_verify_alias in install.c).</summary>
internal static class UnitAliases
{
    /// <summary>
    /// unit_validate_alias_symlink_or_warn(): may <paramref name="filename"/> be an alias of <paramref name="target"/>?
    /// 0 when it may; -EINVAL for a bad source name or a type that cannot be aliased, -EXDEV when the target does not
    /// match (name form, instance or type), -ELOOP for an alias to itself.
    /// </summary>
    public static int ValidateAliasSymlink(string filename, string target)
    {
        string src = InstallFileSystem.Basename(filename);
        string dst = InstallFileSystem.Basename(target);
        NameKinds srcKind = InstallNames.Classify(src);
        if (srcKind == NameKinds.None)
            return -InstallErrno.EINVAL;
        Names.UnitType srcType = InstallNames.TypeOf(src)!.Value;
        if (!InstallNames.TypeMayAlias(srcType))
            return -InstallErrno.EINVAL;
        if (srcKind != NameKinds.Plain && !InstallNames.TypeMayTemplate(srcType))
            return -InstallErrno.EINVAL;
        if (src == dst)
            return -InstallErrno.ELOOP;
        NameKinds dstKind = InstallNames.Classify(dst);
        if (dstKind == NameKinds.None)
            return -InstallErrno.EXDEV;
        if (!(dstKind == srcKind || (srcKind == NameKinds.Instance && dstKind == NameKinds.Template)))
            return -InstallErrno.EXDEV;
        if (dstKind == NameKinds.Instance && InstallNames.Instance(src) != InstallNames.Instance(dst))
            return -InstallErrno.EXDEV;
        if (InstallNames.TypeOf(dst) != srcType)
            return -InstallErrno.EXDEV;
        return 0;
    }

    /// <summary>
    /// unit_symlink_name_compatible(): may a .wants/ or .requires/ symlink named <paramref name="symlink"/> point to
    /// <paramref name="target"/>? With <paramref name="instancePropagation"/> (the directory belongs to a template),
    /// a template may point to the same template.
    /// </summary>
    public static bool SymlinkNameCompatible(string symlink, string target, bool instancePropagation)
    {
        NameKinds k1 = InstallNames.Classify(symlink);
        if (symlink == target && (k1 & (NameKinds.Plain | NameKinds.Instance)) != 0)
            return true;
        if (InstallNames.Template(symlink) is not { } template)
            return false;
        NameKinds k2 = InstallNames.Classify(target);
        if (k1 == NameKinds.Instance && k2 == NameKinds.Template && template == target)
            return true;
        return instancePropagation && k1 == NameKinds.Template && k2 == NameKinds.Template && template == target;
    }

    /// <summary>
    /// unit_file_verify_alias(): checks one Alias= value of <paramref name="info"/>. A value with a slash is the legacy
    /// form "x.target.wants/name"; a template alias of an instance gets the instance put in (<paramref name="updated"/>).
    /// Returns 0, -ELOOP for a (quietly ignored) alias to itself, or a recorded negative errno.
    /// </summary>
    public static int VerifyAlias(InstallInfo info, string dst, out string? updated, ChangeList changes)
    {
        updated = null;
        int slash = dst.LastIndexOf('/');
        if (slash >= 0)
        {
            string pathAlias = dst[(slash + 1)..];
            string dir = InstallFileSystem.Dirname(dst);
            string? unitPart = dir.EndsWith(".wants", StringComparison.Ordinal) ? dir[..^".wants".Length]
                : dir.EndsWith(".requires", StringComparison.Ordinal) ? dir[..^".requires".Length]
                : null;
            if (unitPart is null)
                return changes.Add(-InstallErrno.EXDEV, dst, null);
            NameKinds kind = InstallNames.Classify(unitPart);
            if (kind == NameKinds.None)
                return changes.Add(-InstallErrno.EXDEV, dst, null);
            if (!SymlinkNameCompatible(pathAlias, info.Name, kind == NameKinds.Template))
                return changes.Add(-InstallErrno.EXDEV, dst, info.Name);
            return 0;
        }

        if (InstallNames.IsValid(dst, NameKinds.Template))
        {
            NameKinds kind = InstallNames.Classify(info.Name);
            if (kind == NameKinds.None)
                return changes.Add(-InstallErrno.EUCLEAN, info.Name, null);
            if (kind == NameKinds.Instance)
            {
                updated = InstallNames.ReplaceInstance(dst, InstallNames.Instance(info.Name)!);
                if (updated is null)
                    return -InstallErrno.EINVAL;
            }
        }
        int r = ValidateAliasSymlink(updated ?? dst, info.Name);
        if (r == -InstallErrno.ELOOP)
            return r;
        if (r < 0)
            return changes.Add(r == -InstallErrno.EINVAL ? -InstallErrno.EXDEV : r, updated ?? dst, info.Name);
        return 0;
    }
}
