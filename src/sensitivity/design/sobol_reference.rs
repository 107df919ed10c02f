//! Our unshifted Sobol points against an independent implementation of Joe and Kuo's sequence.
//!
//! The reference values below were printed by scipy 1.17.1 (numpy 2.4.6, Python 3.11), whose
//! `scipy.stats.qmc.Sobol` reads its own copy of `new-joe-kuo-6.21201` and computes the
//! direction numbers and the Gray-code points with its own code:
//!
//! ```python
//! from scipy.stats import qmc
//! # FIRST_16: the first 16 points of 24 dimensions, times 16 (they are exact sixteenths).
//! (qmc.Sobol(d=24, scramble=False, bits=32).random(16) * 16).astype(int)
//! # FAR: point i of 1,000 dimensions, times 2^32, for i = 2^4, 2^5, ..., 2^20 and 999,999;
//! # one row per dimension, dimensions 1-24 then 997-1000.
//! s = qmc.Sobol(d=1000, scramble=False, bits=32); s.fast_forward(i); s.random(1)[0] * 2**32
//! ```
//!
//! scipy's first point is 0 (it skips nothing); so is ours before the shift, so point `j` of
//! scipy is point `j` of [`Sobol::unshifted`]. The first 16 points only use the first four
//! direction numbers of each dimension; the far points use every one up to the 21st, so they
//! also check the recurrence from each dimension's primitive polynomial.

use super::Sobol;

#[rustfmt::skip]
const FIRST_16: [[u8; 24]; 16] = [
    [ 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0],
    [ 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8],
    [12,  4,  4,  4, 12, 12,  4, 12, 12, 12, 12, 12,  4,  4, 12,  4, 12,  4, 12,  4,  4, 12,  4,  4],
    [ 4, 12, 12, 12,  4,  4, 12,  4,  4,  4,  4,  4, 12, 12,  4, 12,  4, 12,  4, 12, 12,  4, 12, 12],
    [ 6,  6, 10, 14,  6,  2,  6, 14, 14, 10, 14,  6,  6, 10,  6, 14,  6, 14, 14,  2,  2,  2,  6, 14],
    [14, 14,  2,  6, 14, 10, 14,  6,  6,  2,  6, 14, 14,  2, 14,  6, 14,  6,  6, 10, 10, 10, 14,  6],
    [10,  2, 14, 10, 10, 14,  2,  2,  2,  6,  2, 10,  2, 14, 10, 10, 10, 10,  2,  6,  6, 14,  2, 10],
    [ 2, 10,  6,  2,  2,  6, 10, 10, 10, 14, 10,  2, 10,  6,  2,  2,  2,  2, 10, 14, 14,  6, 10,  2],
    [ 3,  5, 15,  7,  9,  5,  7, 15, 15,  5, 11,  1, 15, 15, 13, 15, 13, 13, 15,  5,  3, 11,  3, 15],
    [11, 13,  7, 15,  1, 13, 15,  7,  7, 13,  3,  9,  7,  7,  5,  7,  5,  5,  7, 13, 11,  3, 11,  7],
    [15,  1, 11,  3,  5,  9,  3,  3,  3,  9,  7, 13, 11, 11,  1, 11,  1,  9,  3,  1,  7,  7,  7, 11],
    [ 7,  9,  3, 11, 13,  1, 11, 11, 11,  1, 15,  5,  3,  3,  9,  3,  9,  1, 11,  9, 15, 15, 15,  3],
    [ 5,  3,  5,  9, 15,  7,  1,  1,  1, 15,  5,  7,  9,  5, 11,  1, 11,  3,  1,  7,  1,  9,  5,  1],
    [13, 11, 13,  1,  7, 15,  9,  9,  9,  7, 13, 15,  1, 13,  3,  9,  3, 11,  9, 15,  9,  1, 13,  9],
    [ 9,  7,  1, 13,  3, 11,  5, 13, 13,  3,  9, 11, 13,  1,  7,  5,  7,  7, 13,  3,  5,  5,  1,  5],
    [ 1, 15,  9,  5, 11,  3, 13,  5,  5, 11,  1,  3,  5,  9, 15, 13, 15, 15,  5, 11, 13, 13,  9, 13],
];
#[rustfmt::skip]
const FAR: [[u32; 18]; 28] = [
    // dimension 1
    [0x18000000, 0x0c000000, 0x06000000, 0x03000000, 0x01800000, 0x00c00000,
     0x00600000, 0x00300000, 0x00180000, 0x000c0000, 0x00060000, 0x00030000,
     0x00018000, 0x0000c000, 0x00006000, 0x00003000, 0x00001800, 0x04c71000],
    // dimension 2
    [0x78000000, 0x44000000, 0x66000000, 0x55000000, 0x7f800000, 0x40400000,
     0x60600000, 0x50500000, 0x78780000, 0x44440000, 0x66660000, 0x55550000,
     0x7fff8000, 0x40004000, 0x60006000, 0x50005000, 0x78007800, 0xe5d9f000],
    // dimension 3
    [0x78000000, 0xb4000000, 0xd2000000, 0x4b000000, 0xad800000, 0xf4400000,
     0x72a00000, 0xbbf00000, 0xd5f80000, 0x40f40000, 0xa0720000, 0xf0bb0000,
     0x78d58000, 0xb4404000, 0xd2a0a000, 0x4bf0f000, 0xadf87800, 0x5df79000],
    // dimension 4
    [0xa8000000, 0x8c000000, 0xd6000000, 0x31000000, 0x4b800000, 0xfdc00000,
     0x7ca00000, 0xbf300000, 0x9ed80000, 0xcc040000, 0x360e0000, 0x41070000,
     0xe38a8000, 0x71c8c000, 0xaaad6000, 0x8e331000, 0xd55cb800, 0x09123000],
    // dimension 5
    [0x48000000, 0x24000000, 0xa6000000, 0xe7000000, 0xc7800000, 0x75400000,
     0x8ea00000, 0x51d00000, 0x2a380000, 0xb54c0000, 0xeea60000, 0xc1d90000,
     0x623c8000, 0x914e4000, 0x48ac6000, 0x26d77000, 0xa5b0f800, 0xdaefd000],
    // dimension 6
    [0xf8000000, 0xec000000, 0x72000000, 0xad000000, 0x1b800000, 0x90c00000,
     0xd8200000, 0xbc500000, 0x8af80000, 0x41ec0000, 0x69f20000, 0x3d6d0000,
     0xc3bb8000, 0x2c00c000, 0x52002000, 0xfd005000, 0xe380f800, 0x9d893000],
    // dimension 7
    [0x88000000, 0xcc000000, 0xaa000000, 0xdd000000, 0x5d800000, 0x9d400000,
     0x3de00000, 0xed300000, 0xb5680000, 0x21fc0000, 0x1fc20000, 0xfc210000,
     0x421f8000, 0x61fc4000, 0x7fc26000, 0x8c217000, 0xca1f0800, 0xc682d000],
    // dimension 8
    [0xd8000000, 0xac000000, 0x36000000, 0x3f000000, 0x5b800000, 0xe8c00000,
     0x96600000, 0x6c300000, 0xd6380000, 0xcf3c0000, 0x83b60000, 0x44eb0000,
     0xa06d8000, 0x533fc000, 0x8daee000, 0x27c63000, 0x15f39800, 0x164c9000],
    // dimension 9
    [0x78000000, 0xfc000000, 0xbe000000, 0x1b000000, 0x49800000, 0x60c00000,
     0xb2600000, 0xdb300000, 0xa9b80000, 0x90fc0000, 0xca7e0000, 0x270f0000,
     0x17978000, 0x8bfac000, 0x83ec6000, 0x47d73000, 0xa5db1800, 0x26e81000],
    // dimension 10
    [0x28000000, 0x0c000000, 0x1e000000, 0xd1000000, 0x68800000, 0xea400000,
     0xabe00000, 0x4d300000, 0xfea80000, 0x67540000, 0xf56a0000, 0x7a730000,
     0x23cf8000, 0x11104000, 0xc8b82000, 0xba6d9000, 0x83c77800, 0xcb207000],
    // dimension 11
    [0x18000000, 0x64000000, 0xf2000000, 0xbd000000, 0x74800000, 0xfa400000,
     0xd2600000, 0xee700000, 0xd8580000, 0x875c0000, 0x46de0000, 0xa4050000,
     0x12028000, 0x0d1a4000, 0x6ca7a000, 0x9e48d000, 0x20753800, 0x3d69b000],
    // dimension 12
    [0x68000000, 0xf4000000, 0x3a000000, 0xbd000000, 0xff800000, 0xddc00000,
     0xebe00000, 0xb0f00000, 0x1c780000, 0x89340000, 0xa5820000, 0x70f90000,
     0x7c748000, 0x99224000, 0xcda96000, 0x84dc3000, 0x467f1800, 0x78619000],
    // dimension 13
    [0xa8000000, 0x74000000, 0x6e000000, 0xd1000000, 0x3c800000, 0x2ec00000,
     0xb4e00000, 0xcbd00000, 0x86780000, 0xc42c0000, 0xa6320000, 0x55210000,
     0xfab18000, 0x8be94000, 0xe674a000, 0x342ff000, 0x0e3a1800, 0xa7f19000],
    // dimension 14
    [0xa8000000, 0xfc000000, 0x86000000, 0xe1000000, 0x52800000, 0x5bc00000,
     0x56a00000, 0x79f00000, 0x65180000, 0xb0040000, 0x080a0000, 0x0c0f0000,
     0x2e0a8000, 0x1d0fc000, 0xd4886000, 0xbace1000, 0x04252800, 0xca893000],
    // dimension 15
    [0x58000000, 0xfc000000, 0xce000000, 0x07000000, 0x83800000, 0x42400000,
     0x21e00000, 0xf0300000, 0xa9980000, 0x554c0000, 0x9a660000, 0x9e7d0000,
     0x1e7d8000, 0x5e73c000, 0x7e72e000, 0x8e717000, 0x2673b800, 0x3c2bd000],
    // dimension 16
    [0x08000000, 0x1c000000, 0x82000000, 0xc3000000, 0x20800000, 0xd3400000,
     0xdb600000, 0xc7100000, 0x47180000, 0x87140000, 0xa7160000, 0x771b0000,
     0xaf168000, 0x6b1ac000, 0x2d1ea000, 0xa816f000, 0x0d9ca800, 0xf1521000],
    // dimension 17
    [0xc8000000, 0x2c000000, 0xe2000000, 0x91000000, 0xe8800000, 0xdfc00000,
     0xdae00000, 0x85500000, 0x1d580000, 0xb95c0000, 0x575e0000, 0xd4510000,
     0x95d28000, 0xb693c000, 0x45bca000, 0x7d0ad000, 0x6a8a2800, 0x87693000],
    // dimension 18
    [0x98000000, 0x0c000000, 0x52000000, 0x5b000000, 0x2c800000, 0xa1c00000,
     0x32a00000, 0x49100000, 0x97180000, 0x5e140000, 0x09960000, 0x74d90000,
     0x8fbf8000, 0x9009c000, 0x7802a000, 0xdc087000, 0xca0e6800, 0x77ea9000],
    // dimension 19
    [0xc8000000, 0x6c000000, 0x5a000000, 0x15000000, 0x5c800000, 0x72400000,
     0x89e00000, 0xcc100000, 0x0b980000, 0x8e5c0000, 0xaa760000, 0xde430000,
     0x33e28000, 0x2919c000, 0x9f112000, 0x901b9000, 0x79966800, 0x39c7f000],
    // dimension 20
    [0x08000000, 0x84000000, 0xf2000000, 0x8f000000, 0x60800000, 0x70400000,
     0x58a00000, 0x8c100000, 0x77080000, 0x7ce40000, 0xee9e0000, 0x10010000,
     0x28008000, 0xd4014000, 0xfa002000, 0x0b021000, 0x9283c800, 0xafddf000],
    // dimension 21
    [0xb8000000, 0x54000000, 0xb6000000, 0xdb000000, 0xf8800000, 0x74400000,
     0x86600000, 0x62700000, 0xac280000, 0xc32c0000, 0x5cd60000, 0x9b010000,
     0xd8808000, 0x4440c000, 0x3e62e000, 0x36715000, 0x1a2ad800, 0x8045f000],
    // dimension 22
    [0xe8000000, 0xb4000000, 0xf2000000, 0x0f000000, 0xb9800000, 0xcc400000,
     0x1f600000, 0xa0d00000, 0xf1e80000, 0x89240000, 0x65be0000, 0xcb030000,
     0x83808000, 0xc742c000, 0xbce3a000, 0xd792d000, 0xa50bc800, 0x0a4d3000],
    // dimension 23
    [0x98000000, 0x6c000000, 0x0e000000, 0xe3000000, 0x2c800000, 0x6ec00000,
     0xd3600000, 0xb5b00000, 0x02180000, 0xdd7c0000, 0x57760000, 0x2ec10000,
     0xb3618000, 0x85b0c000, 0x9a1a6000, 0xb17db000, 0x59763800, 0x40009000],
    // dimension 24
    [0x98000000, 0xc4000000, 0x5a000000, 0xef000000, 0xec800000, 0xe7c00000,
     0x80e00000, 0xc0b00000, 0x21c80000, 0xd1140000, 0x494e0000, 0x8cc10000,
     0xd6638000, 0x3873c000, 0xd5aa6000, 0x32671000, 0xb2676800, 0x2b533000],
    // dimension 997
    [0xa8000000, 0x14000000, 0x2a000000, 0xe7000000, 0xf5800000, 0x86c00000,
     0x3ca00000, 0x78100000, 0x21f80000, 0x8eb40000, 0x8eea0000, 0xd2cd0000,
     0xc29c8000, 0xb280c000, 0x6346e000, 0x62627000, 0xf8b32800, 0x9512d000],
    // dimension 998
    [0x18000000, 0x5c000000, 0x4e000000, 0x11000000, 0x52800000, 0xb9400000,
     0x66e00000, 0xe2300000, 0xd3780000, 0x82d40000, 0x544a0000, 0xe92b0000,
     0xfcda8000, 0x5e054000, 0xd9072000, 0x66831000, 0xb3423800, 0x2451f000],
    // dimension 999
    [0x58000000, 0x4c000000, 0xbe000000, 0xfb000000, 0x04800000, 0x16400000,
     0x91e00000, 0xfb500000, 0x5b180000, 0x9cb40000, 0x8f4e0000, 0x512f0000,
     0xb0bd8000, 0x18044000, 0xec05a000, 0x2e031000, 0xa300e800, 0x17b17000],
    // dimension 1000
    [0x88000000, 0x14000000, 0xde000000, 0x1b000000, 0x73800000, 0x61c00000,
     0xa9a00000, 0x3c100000, 0x81380000, 0x4cb40000, 0x5faa0000, 0x7acf0000,
     0x23fa8000, 0xba95c000, 0x207de000, 0x1355d000, 0xfdd86800, 0x982d7000],
];

/// Dimensions (from 0) of the rows of [`FAR`].
fn far_dimensions() -> impl Iterator<Item = usize> {
    (0..24).chain(996..1000)
}

/// Point indices of the columns of [`FAR`].
fn far_points() -> impl Iterator<Item = u32> {
    (4..=20).map(|j| 1u32 << j).chain([999_999])
}

#[test]
fn the_first_points_match_scipys_joe_kuo_sequence() {
    let mut seq = Sobol::unshifted(24);
    for (j, want) in FIRST_16.iter().enumerate() {
        let bits = seq.next_bits();
        assert!(bits.iter().all(|x| x & 0x0fff_ffff == 0), "point {j}");
        let got: Vec<u32> = bits.iter().map(|x| x >> 28).collect();
        let want: Vec<u32> = want.iter().map(|&w| u32::from(w)).collect();
        assert_eq!(got, want, "point {j}");
    }
}

#[test]
fn far_points_match_scipys_joe_kuo_sequence() {
    for (col, index) in far_points().enumerate() {
        let point = Sobol::unshifted_at(1000, index).next_bits();
        for (row, dim) in far_dimensions().enumerate() {
            let want = FAR[row][col];
            assert_eq!(point[dim], want, "point {index}, dimension {}", dim + 1);
        }
    }
}

#[test]
fn jumping_to_a_point_agrees_with_stepping_to_it() {
    let mut stepped = Sobol::unshifted(40);
    for index in 0..5000u32 {
        let here = stepped.next_bits();
        if index % 37 == 0 || index.is_power_of_two() {
            assert_eq!(Sobol::unshifted_at(40, index).next_bits(), here, "{index}");
        }
    }
}
