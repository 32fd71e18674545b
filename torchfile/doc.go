// Package torchfile reads the files PyTorch's torch.save writes, without
// Python and without running anything the file says.
//
// It reads both of torch.save's formats: the zip format (the default since
// PyTorch 1.6: an archive whose single top-level folder, of any name, holds
// data.pkl, the storages as data/<key> and, since 2.1, byteorder), and the
// legacy format (_use_new_zipfile_serialization=False: the magic number,
// protocol version and system information pickles, the object pickle, the
// storage keys pickle, then each storage as an 8-byte little-endian element
// count and its bytes). The formats are told apart by the zip signature.
// Pickle protocols 0 to 5 are read, with the opcodes Python writes except
// those of the extension registry and of out-of-band buffers.
//
// Read returns the unpickled object tree (see Value) with every tensor's
// elements gathered from its storage: float16, bfloat16, float32 and
// float64 tensors as float64 values, integer and bool tensors as int64
// values, complex and quantized tensors as their dtype and shape only.
// The package knows no model; StateDict picks the tensors of a state dict.
//
// # Threat model
//
// The file is untrusted. A pickle is a program for a stack machine whose
// instructions can import and call any Python function; here it is data.
// GLOBAL only names a global, and calls of globals build values only for
// an allow-list modelled on PyTorch's weights-only unpickler
// (torch/_weights_only_unpickler.py): torch._utils._rebuild_tensor_v2,
// _rebuild_tensor, _rebuild_parameter and _rebuild_parameter_with_state,
// torch._tensor._rebuild_from_type_v2, collections.OrderedDict,
// builtins.set, frozenset, bytes and bytearray, _codecs.encode,
// copyreg._reconstructor, torch.Size, and builtins.getattr of a global and
// a plain name (which Python uses to pickle Enum members, and which here
// only names a global). Storage classes such as torch.FloatStorage and
// dtypes such as torch.float32 are read as *Global. Any other class or
// function called, such as a configuration dataclass, torch.device or a
// class from a module that only exists where the file was written, becomes
// an inert *Object recording its name, arguments and state. A call of a
// function that loading data never needs (os.system, subprocess.*,
// builtins.eval, exec, open, __import__, importlib.*, pickle.*, shutil.*,
// socket.*, sys.* and more) is refused with an error wrapping ErrUnsafe
// that names the call, although it would not be run anyway.
//
// # Limits
//
// No size read from the file is trusted with an allocation before it is
// checked against what the file holds: string and bytes lengths against
// the rest of the pickle, a storage's element count against its zip entry
// or the rest of the legacy file, a tensor view against its storage, and
// element counts against overflow. Zip entries are read only when their
// uncompressed size is within Limits.MaxBytes (by default 4 × the file's
// size + 1 MiB; torch writes entries uncompressed, so this only bounds
// recompressed files and zip bombs), and archive/zip stops at the declared
// size while inflating. Reads happen in chunks of 1 MiB at most beyond the
// data that arrived. The tensors returned have at most Limits.MaxElements
// elements together (by default one per byte of MaxBytes). MARKs nest at
// most 1000 deep, tensors have at most 64 dimensions, and the pickle
// machine's work is bounded proportionally to the pickle's size. The
// memo, stack and object tree cost at most about 100 bytes of allocation
// per byte of pickle (a pickle of nothing but EMPTY_DICT opcodes; real
// pickles are a small part of a file). Errors are *FormatError values naming the zip entry and offset.
//
// # Not supported
//
// Big-endian files (ErrBigEndian), the tar format of PyTorch before 0.4,
// TorchScript archives (torch.jit.save), sparse, quantized and complex
// tensor data, tensors on the meta device, numpy arrays (read as inert
// objects), integers beyond 64 bits, and torch 2.x's mmap-aligned or
// shared-memory variants beyond what the zip reader sees.
package torchfile
