pub mod refdata;
