#!/usr/bin/env python3
# Independent implementation of Widescan wire format v2 (from docs/wire-format.md), for the golden vectors.
import hmac, hashlib, struct
M=(1<<64)-1
def rotl(x,b): return ((x<<b)|(x>>(64-b)))&M
def sipround(v):
    v0,v1,v2,v3=v
    v0=(v0+v1)&M; v1=rotl(v1,13); v1^=v0; v0=rotl(v0,32)
    v2=(v2+v3)&M; v3=rotl(v3,16); v3^=v2
    v0=(v0+v3)&M; v3=rotl(v3,21); v3^=v0
    v2=(v2+v1)&M; v1=rotl(v1,17); v1^=v2; v2=rotl(v2,32)
    return [v0,v1,v2,v3]
def siphash(key,msg,out128=False):
    k0,k1=struct.unpack('<QQ',key)
    v=[0x736f6d6570736575^k0,0x646f72616e646f6d^k1,0x6c7967656e657261^k0,0x7465646279746573^k1]
    if out128: v[1]^=0xee
    b=len(msg)
    tail=msg[b//8*8:]
    blocks=[struct.unpack('<Q',msg[i:i+8])[0] for i in range(0,b//8*8,8)]
    last=(b&0xff)<<56
    for i,c in enumerate(tail): last|=c<<(8*i)
    for m in blocks+[last]:
        v[3]^=m; v=sipround(v); v=sipround(v); v[0]^=m
    v[2]^=(0xee if out128 else 0xff)
    for _ in range(4): v=sipround(v)
    h1=v[0]^v[1]^v[2]^v[3]
    if not out128: return h1
    v[1]^=0xdd
    for _ in range(4): v=sipround(v)
    h2=v[0]^v[1]^v[2]^v[3]
    return struct.pack('<QQ',h1,h2)
def hkdf(ikm,info,n):
    prk=hmac.new(b'\0'*32,ikm,hashlib.sha256).digest()
    return hmac.new(prk,info+b'\x01',hashlib.sha256).digest()[:n]
# check against reference vectors
key=bytes(range(16))
assert siphash(key,b'')==0x726fdb47dd0e0e31
assert siphash(key,bytes(range(15)))==0xa129ca6149be45e5
assert siphash(key,b'',True).hex()=='a3817f04ba25a8e66df67214c7550293'
assert siphash(key,bytes(range(63)),True).hex()=='5150d1772f50834a503e069a973fbd7c'
secret=bytes(range(16))
ours=bytes.fromhex('00112233445566778899aabbccddeeff'); port=4242
peer=bytes.fromhex('f0e1d2c3b4a5968778695a4b3c2d1e0f'); pport=4343
ts=1790000000000000
us=bytes.fromhex('20010db8000000000000000000000100'); target=bytes.fromhex('20010db8000000000000000000000001')
nkey=b'widescan golden vector key 00001'
mackey=hkdf(nkey,b'widescan mac v2',16)
def tag(dst,ts): return siphash(secret,dst+struct.pack('>Q',ts)) & 0xffffffff
nonce=siphash(secret,struct.pack('<Q',0x57534e4f4e434500)+b'\0'*16)
def mac(src,dst,typ,unsigned):
    return siphash(mackey,src+dst+bytes([typ,unsigned[1]])+unsigned[4:8]+unsigned[8:],True)
def payload(mtype,flags,node,p,ts,nonce,data):
    return b'WSCN'+bytes([2,mtype,flags,len(data)])+node+struct.pack('>HQQ',p,ts,nonce)+data
def probe(keyed,src,dst):
    t=tag(dst,ts)
    m=bytes([128,0,0,0])+struct.pack('>I',t)+payload(1,1 if keyed else 0,ours,port,ts,nonce,b'\0'*24)
    if keyed: m+=mac(src,dst,128,m)
    return m
def csum(src,dst,m):
    b=src+dst+struct.pack('>I',len(m))+b'\0\0\0\x3a'+m
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('>%dH'%(len(b)//2),b))
    while s>>16: s=(s&0xffff)+(s>>16)
    return (~s)&0xffff
def hx(b): return ' '.join('%02x'%c for c in b)
up=probe(False,us,target); kp=probe(True,us,target)
print('tag %08x nonce %016x'%(tag(target,ts),nonce)); print('mackey',mackey.hex())
print('UnkeyedProbe',hx(up)); print('KeyedProbe',hx(kp))
msg=bytearray(up); c=csum(us,target,bytes(msg)); msg[2:4]=struct.pack('>H',c)
frame=bytes.fromhex('02000000000102000000000286dd')+bytes.fromhex('60000000')+struct.pack('>H',len(msg))+bytes([58,64])+us+target+bytes(msg)
print('UnkeyedProbeFrame',hx(frame))
# keyed announce reply from target to us answering the keyed probe
a=bytes([129,0,0,0])+kp[4:8]+payload(2,1,peer,pport,ts,0x0123456789abcdef,b'widescan')
a+=mac(target,us,129,a)
print('KeyedAnnounceReply',hx(a))
# keyed frame
msg=bytearray(kp); c=csum(us,target,bytes(msg)); msg[2:4]=struct.pack('>H',c)
print('keyed frame csum %04x'%c)
