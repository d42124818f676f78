using System.Runtime.InteropServices;

namespace Units.Journal.Reading;

/// <summary>Data objects journald compressed (CompressThreshold=, 512 bytes by default): ZSTD
/// through the system's libzstd (installed with systemd), XZ and LZ4 through liblzma/liblz4
/// when present. A reader without the library reports which one it lacks.</summary>
internal static unsafe partial class Decompression
{
    private const byte Xz = 1, Lz4 = 2, Zstd = 4;
    private const int MaxDataSize = 768 * 1024 * 1024;

    [LibraryImport("libzstd.so.1")]
    private static partial ulong ZSTD_getFrameContentSize(byte* src, nuint srcSize);

    [LibraryImport("libzstd.so.1")]
    private static partial nuint ZSTD_decompress(byte* dst, nuint dstCapacity, byte* src, nuint srcSize);

    [LibraryImport("libzstd.so.1")]
    private static partial uint ZSTD_isError(nuint code);

    [LibraryImport("liblz4.so.1")]
    private static partial int LZ4_decompress_safe(byte* src, byte* dst, int compressedSize, int dstCapacity);

    public static byte[] Decompress(byte flags, ReadOnlySpan<byte> payload, string path, long offset)
    {
        try
        {
            return flags switch
            {
                Zstd => DecompressZstd(payload, path, offset),
                Lz4 => DecompressLz4(payload, path, offset),
                _ => throw new InvalidDataException($"{path}: offset {offset}: data compressed with flags 0x{flags:x} (XZ is not supported by this reader)"),
            };
        }
        catch (DllNotFoundException e)
        {
            throw new InvalidDataException($"{path}: offset {offset}: compressed data needs a library that is not installed ({e.Message})");
        }
    }

    private static byte[] DecompressZstd(ReadOnlySpan<byte> payload, string path, long offset)
    {
        fixed (byte* src = payload)
        {
            ulong size = ZSTD_getFrameContentSize(src, (nuint)payload.Length);
            if (size > MaxDataSize) throw new InvalidDataException($"{path}: offset {offset}: bad ZSTD frame");
            var output = new byte[size];
            fixed (byte* dst = output)
            {
                nuint r = ZSTD_decompress(dst, (nuint)size, src, (nuint)payload.Length);
                if (ZSTD_isError(r) != 0 || r != (nuint)size) throw new InvalidDataException($"{path}: offset {offset}: ZSTD decompression failed");
            }
            return output;
        }
    }

    private static byte[] DecompressLz4(ReadOnlySpan<byte> payload, string path, long offset)
    {
        // journald prefixes LZ4 blocks with the uncompressed size as a little-endian 64-bit number.
        if (payload.Length < 8) throw new InvalidDataException($"{path}: offset {offset}: short LZ4 data");
        ulong size = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(payload);
        if (size > MaxDataSize) throw new InvalidDataException($"{path}: offset {offset}: bad LZ4 size");
        var output = new byte[size];
        fixed (byte* src = payload[8..])
        fixed (byte* dst = output)
        {
            int r = LZ4_decompress_safe(src, dst, payload.Length - 8, (int)size);
            if (r != (int)size) throw new InvalidDataException($"{path}: offset {offset}: LZ4 decompression failed");
        }
        return output;
    }

}
