using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Units.HelpBuilder;

/// <summary>A cmdlet as its attributes declare it.</summary>
internal sealed record CmdletInfo(string Verb, string Noun, string TypeName, bool IsSealed, string? DefaultParameterSet, bool SupportsShouldProcess, IReadOnlyList<ParameterInfo> Parameters)
{
    public string Name => Verb + "-" + Noun;
}

/// <summary>One [Parameter] attribute of a property (a property may carry several, one per set).</summary>
internal sealed record ParameterSetUse(string? SetName, bool Mandatory, int? Position, bool FromPipeline, bool FromPipelineByPropertyName);

/// <summary>A cmdlet parameter.</summary>
internal sealed record ParameterInfo(string Name, string TypeName, IReadOnlyList<string> Aliases, bool SupportsWildcards, IReadOnlyList<ParameterSetUse> Sets)
{
    public bool IsSwitch => TypeName == "SwitchParameter";
}

/// <summary>
/// Reads cmdlets from an assembly's metadata with System.Reflection.Metadata: the assembly is
/// never loaded, so one compiled against PowerShellStandard's reference assembly can be read by
/// a process without PowerShell.
/// </summary>
internal static class CmdletMetadata
{
    public static IReadOnlyList<CmdletInfo> Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var types = reader.TypeDefinitions.ToDictionary(handle => handle, handle => reader.GetTypeDefinition(handle));
        var cmdlets = new List<CmdletInfo>();
        foreach (var (handle, type) in types)
        {
            var cmdlet = type.GetCustomAttributes().Select(reader.GetCustomAttribute)
                .Select(attribute => (CustomAttribute?)attribute)
                .FirstOrDefault(attribute => AttributeName(reader, attribute!.Value) == "CmdletAttribute");
            if (cmdlet is null)
            {
                continue;
            }
            var value = cmdlet.Value.DecodeValue(new AttributeTypes());
            var named = value.NamedArguments.ToDictionary(argument => argument.Name!, argument => argument.Value);
            var parameters = new List<ParameterInfo>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var current = (TypeDefinitionHandle?)handle; current is { } typeHandle; current = BaseType(reader, types[typeHandle]))
            {
                foreach (var property in types[typeHandle].GetProperties().Select(reader.GetPropertyDefinition))
                {
                    var name = reader.GetString(property.Name);
                    if (seen.Contains(name) || ReadParameter(reader, property, name) is not { } parameter)
                    {
                        continue;
                    }
                    seen.Add(name);
                    parameters.Add(parameter);
                }
            }
            cmdlets.Add(new CmdletInfo(
                (string)value.FixedArguments[0].Value!, (string)value.FixedArguments[1].Value!,
                reader.GetString(type.Namespace) + "." + reader.GetString(type.Name),
                (type.Attributes & System.Reflection.TypeAttributes.Sealed) != 0,
                named.GetValueOrDefault("DefaultParameterSetName") as string,
                named.GetValueOrDefault("SupportsShouldProcess") is true,
                parameters));
        }
        return cmdlets.OrderBy(cmdlet => cmdlet.Name, StringComparer.Ordinal).ToList();
    }

    private static ParameterInfo? ReadParameter(MetadataReader reader, PropertyDefinition property, string name)
    {
        var sets = new List<ParameterSetUse>();
        var aliases = new List<string>();
        var wildcards = false;
        foreach (var attribute in property.GetCustomAttributes().Select(reader.GetCustomAttribute))
        {
            switch (AttributeName(reader, attribute))
            {
                case "ParameterAttribute":
                    var named = attribute.DecodeValue(new AttributeTypes()).NamedArguments.ToDictionary(argument => argument.Name!, argument => argument.Value);
                    sets.Add(new ParameterSetUse(
                        named.GetValueOrDefault("ParameterSetName") as string,
                        named.GetValueOrDefault("Mandatory") is true,
                        named.GetValueOrDefault("Position") as int?,
                        named.GetValueOrDefault("ValueFromPipeline") is true,
                        named.GetValueOrDefault("ValueFromPipelineByPropertyName") is true));
                    break;
                case "AliasAttribute":
                    var arguments = attribute.DecodeValue(new AttributeTypes()).FixedArguments;
                    if (arguments.Length == 1 && arguments[0].Value is ImmutableArray<CustomAttributeTypedArgument<string>> names)
                    {
                        aliases.AddRange(names.Select(alias => (string)alias.Value!));
                    }
                    break;
                case "SupportsWildcardsAttribute":
                    wildcards = true;
                    break;
            }
        }
        if (sets.Count == 0)
        {
            return null;
        }
        var typeName = property.DecodeSignature(new TypeNames(), null).ReturnType;
        return new ParameterInfo(name, typeName, aliases, wildcards, sets);
    }

    private static TypeDefinitionHandle? BaseType(MetadataReader reader, TypeDefinition type) =>
        type.BaseType.Kind == HandleKind.TypeDefinition ? (TypeDefinitionHandle)type.BaseType : null;

    private static string AttributeName(MetadataReader reader, CustomAttribute attribute)
    {
        if (attribute.Constructor.Kind != HandleKind.MemberReference)
        {
            return "";
        }
        var parent = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
        return parent.Kind == HandleKind.TypeReference ? reader.GetString(reader.GetTypeReference((TypeReferenceHandle)parent).Name) : "";
    }

    // Short type names as PlatyPS writes them: String[], SwitchParameter, DateTime (nullable unwrapped).
    private sealed class TypeNames : ISignatureTypeProvider<string, object?>
    {
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[]";
        public string GetByReferenceType(string elementType) => elementType;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "IntPtr";
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
            genericType == "Nullable`1" ? typeArguments[0] : genericType[..genericType.IndexOf('`', StringComparison.Ordinal)] + "<" + string.Join(", ", typeArguments) + ">";
        public string GetGenericMethodParameter(object? genericContext, int index) => "T";
        public string GetGenericTypeParameter(object? genericContext, int index) => "T";
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetPinnedType(string elementType) => elementType;
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeDefinition(handle).Name);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeReference(handle).Name);
        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
    }

    // Attribute arguments here are strings, Booleans, Int32 and string arrays; enums are not used.
    private sealed class AttributeTypes : ICustomAttributeTypeProvider<string>
    {
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetSystemType() => "Type";
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeDefinition(handle).Name);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeReference(handle).Name);
        public string GetTypeFromSerializedName(string name) => name;
        public PrimitiveTypeCode GetUnderlyingEnumType(string type) => PrimitiveTypeCode.Int32;
        public bool IsSystemType(string type) => type == "Type";
    }
}
