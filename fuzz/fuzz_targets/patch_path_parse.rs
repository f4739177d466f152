//! Any UTF-8 text as a PATCH path. The parser must never panic, and a parsed path written back
//! as `[urn:]name[[filter]][.sub]` must parse to the same thing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scimitar_scim::path::parse_patch_path;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(path) = parse_patch_path(input) else {
        return;
    };
    let mut shown = String::new();
    if let Some(urn) = &path.urn {
        shown.push_str(urn);
        shown.push(':');
    }
    shown.push_str(&path.name);
    if let Some(filter) = &path.filter {
        shown.push_str(&format!("[{filter}]"));
    }
    if let Some(sub) = &path.sub_attr {
        shown.push('.');
        shown.push_str(sub);
    }
    // Writing the filter back can make the text longer than the 4096-character limit.
    if shown.chars().count() > 4096 {
        return;
    }
    match parse_patch_path(&shown) {
        Ok(again) => assert_eq!(again, path, "{input:?} written as {shown:?} re-parsed differently"),
        Err(e) => panic!("{input:?} written as {shown:?} does not re-parse: {}", e.detail),
    }
});
