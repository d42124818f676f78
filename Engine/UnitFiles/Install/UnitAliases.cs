using Units.UnitFiles.Names;

namespace Units.UnitFiles.Install;

/// <summary>Which alias symlinks systemd 252 accepts (unit-file.c and unit_file_verify_alias in install.c).</summary>
internal static class UnitAliases
{
    /// <summary>
    /// unit_validate_alias_symlink_or_warn(): may <paramref name="filename"/> be an alias of <paramref name="target"/>?
    /// 0 when it may; -EINVAL for a bad source name or a type that cannot be aliased, -EXDEV when the target does not
    /// match (name form, instance or type), -ELOOP for an alias to itself.
    /// </summary>
    /// <remarks>Rejections are reported into <paramref name="notices"/> with systemd's words (it logs them at notice level while resolving symlinks).</remarks>
    public static int ValidateAliasSymlink(string filename, string target, DiagnosticBag? notices = null)
    {
        string src = InstallFileSystem.Basename(filename);
        string dst = InstallFileSystem.Basename(target);
        int Reject(int errno, string message)
        {
            notices?.Warn(filename, 0, message);
            return errno;
        }

        if (NameRules.KindOf(src) is not { } srcKind)
            return Reject(-InstallErrno.EINVAL, $"not a valid unit name \"{src}\": {InstallErrno.Describe(InstallErrno.EINVAL)}");
        UnitType srcType = NameRules.TypeOf(src)!.Value;
        if (!NameRules.MayAlias(srcType))
            return Reject(-InstallErrno.EINVAL, "symlinks are not allowed for units of this type, rejecting.");
        if (srcKind != UnitNameKinds.Plain && !NameRules.MayTemplate(srcType))
            return Reject(-InstallErrno.EINVAL, $"templates not allowed for {srcType.Suffix()} units, rejecting.");
        if (src == dst)
            return -InstallErrno.ELOOP;
        if (NameRules.KindOf(dst) is not { } dstKind)
            return -InstallErrno.EXDEV;
        if (!(dstKind == srcKind || (srcKind == UnitNameKinds.Instance && dstKind == UnitNameKinds.Template)))
            return Reject(-InstallErrno.EXDEV, $"symlink target name type \"{dst}\" does not match source, rejecting.");
        if (dstKind == UnitNameKinds.Instance && NameRules.InstanceOf(src) != NameRules.InstanceOf(dst))
            return Reject(-InstallErrno.EXDEV, $"unit symlink target \"{dst}\" instance name doesn't match, rejecting.");
        if (NameRules.TypeOf(dst) != srcType)
            return Reject(-InstallErrno.EXDEV, $"symlink target \"{dst}\" has incompatible suffix, rejecting.");
        return 0;
    }

    /// <summary>
    /// unit_symlink_name_compatible(): may a .wants/ or .requires/ symlink named <paramref name="symlink"/> point to
    /// <paramref name="target"/>? With <paramref name="instancePropagation"/> (the directory belongs to a template),
    /// a template may point to the same template.
    /// </summary>
    public static bool SymlinkNameCompatible(string symlink, string target, bool instancePropagation)
    {
        UnitNameKinds? k1 = NameRules.KindOf(symlink);
        if (symlink == target && k1 is UnitNameKinds.Plain or UnitNameKinds.Instance)
            return true;
        if (NameRules.TemplateOf(symlink) is not { } template)
            return false;
        UnitNameKinds? k2 = NameRules.KindOf(target);
        if (k1 == UnitNameKinds.Instance && k2 == UnitNameKinds.Template && template == target)
            return true;
        return instancePropagation && k1 == UnitNameKinds.Template && k2 == UnitNameKinds.Template && template == target;
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
            if (NameRules.KindOf(unitPart) is not { } kind)
                return changes.Add(-InstallErrno.EXDEV, dst, null);
            if (!SymlinkNameCompatible(pathAlias, info.Name, kind == UnitNameKinds.Template))
                return changes.Add(-InstallErrno.EXDEV, dst, info.Name);
            return 0;
        }

        if (UnitName.IsValid(dst, UnitNameKinds.Template))
        {
            if (NameRules.KindOf(info.Name) is not { } kind)
                return changes.Add(-InstallErrno.EUCLEAN, info.Name, null);
            if (kind == UnitNameKinds.Instance)
            {
                updated = NameRules.WithInstance(dst, NameRules.InstanceOf(info.Name)!);
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
